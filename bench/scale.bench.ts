/**
 * The supervisor's views and the month's start at the size of a large enterprise (issue 16):
 * generates the issue's data set in a database of its own (2,000 branches, ~100,000 instances,
 * ~1,000,000 tasks and ledger items, ~8 % of the items overdue), asks the real api over HTTP for
 * the views as a committee supervisor, a general-branch supervisor and a branch secretary, runs
 * the real worker's month-start kick-off over 10,000 branches in a second database, and runs
 * `bench:runtime` for 10,000 timers due in the same second and the pgbench floor of the run.
 * Prints each figure against the issue's goal.
 *
 *   npm run bench:scale                       # full size (generation takes minutes)
 *   npm run bench:scale -- --scale 0.01       # 1 %: 20 branches, ~1,000 instances
 *   npm run bench:scale -- --items 100000     # sized by ledger items
 *   npm run bench:scale -- --json             # one JSON document on stdout, progress on stderr
 *
 * Everything it creates is its own and removed at the end, also on failure and on Ctrl-C: the
 * databases branchflow_scale_<pid> and branchflow_scale_kickoff_<pid>, the BullMQ keys under
 * scale-<pid> in Redis database 13, an empty templates folder, the processes it started.
 * bench:runtime (the timers) cleans up after itself the same way. See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { loadEnv } from '@app/config';
import { OrgDirectory } from '@app/org';
import { createDataSource, systemClock } from '@app/store';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AppProcess, freePort } from '../test/support/processes.js';
import { type CpuLabel, CpuSampler, type CpuSplit, cpuLine } from './cpu-sampler.js';
import {
  ITEMS_PER_BRANCH,
  census,
  generateOrganisation,
  generateWork,
  userTasks,
} from './scale/generate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATES = join(ROOT, 'process-templates');
const FULL_BRANCHES = 2000;

const USAGE = `usage: npm run bench:scale [-- --scale F | --items N] [--json]

  --scale F   size of the views' data set against the issue's (1: 2,000 branches, ~100,000
              instances, ~1,000,000 tasks and ledger items); 0.01 is a quick check
  --items N   the same, sized by ledger items (~${ITEMS_PER_BRANCH} per branch)
  --json      one JSON document on stdout, progress on stderr

Environment: BENCH_SCALE_REQUESTS (20), BENCH_SCALE_VIEW_SECONDS (60),
BENCH_SCALE_KICKOFF_BRANCHES (10000), BENCH_SCALE_KICKOFF_WAIT_SECONDS (900), BENCH_SCALE_TIMERS
(10000, 0 skips the timers but not the pgbench floor), BENCH_SCALE_PHASES (views,kickoff,timers),
BENCH_POSTGRES_URL, BENCH_REDIS_URL, BENCH_REDIS_DB, BENCH_SCALE_KEEP_DB (see bench/README.md).`;

class BenchError extends Error {
  override name = 'BenchError';
}

// ---------------------------------------------------------------------------------------------
// Configuration

type PhaseName = 'views' | 'kickoff' | 'timers';

interface Config {
  readonly json: boolean;
  readonly branches: number;
  readonly scale: number;
  readonly requests: number;
  readonly viewSeconds: number;
  readonly kickoffBranches: number;
  readonly kickoffWaitSeconds: number;
  readonly timers: number;
  readonly phases: ReadonlySet<PhaseName>;
  readonly postgresUrl: URL;
  readonly redisUrl: URL;
  readonly redisDb: number;
  /** BENCH_SCALE_KEEP_DB=1: the databases stay after the run, for profiling by hand. */
  readonly keepDbs: boolean;
}

function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config | 'help' {
  let json = false;
  let scale = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      const number = Number(next);
      if (next === undefined || !Number.isFinite(number) || number <= 0) {
        throw new BenchError(`${arg} needs a positive number\n\n${USAGE}`);
      }
      return number;
    };
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--scale') scale = value();
    else if (arg === '--items') scale = value() / (ITEMS_PER_BRANCH * FULL_BRANCHES);
    else throw new BenchError(`unknown argument '${arg}'\n\n${USAGE}`);
  }
  const phases = (env.BENCH_SCALE_PHASES?.trim() || 'views,kickoff,timers')
    .split(',')
    .map((p) => p.trim());
  for (const phase of phases) {
    if (phase !== 'views' && phase !== 'kickoff' && phase !== 'timers') {
      throw new BenchError(`BENCH_SCALE_PHASES: unknown phase '${phase}' (views, kickoff, timers)`);
    }
  }
  return {
    json,
    scale,
    branches: Math.max(1, Math.round(FULL_BRANCHES * scale)),
    requests: int(env, 'BENCH_SCALE_REQUESTS', 1) ?? 20,
    viewSeconds: int(env, 'BENCH_SCALE_VIEW_SECONDS', 1) ?? 60,
    kickoffBranches: int(env, 'BENCH_SCALE_KICKOFF_BRANCHES', 1) ?? 10_000,
    kickoffWaitSeconds: int(env, 'BENCH_SCALE_KICKOFF_WAIT_SECONDS', 1) ?? 900,
    timers: int(env, 'BENCH_SCALE_TIMERS', 0) ?? 10_000,
    phases: new Set(phases as PhaseName[]),
    postgresUrl: new URL(
      env.BENCH_POSTGRES_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    ),
    redisUrl: new URL(env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379'),
    redisDb: int(env, 'BENCH_REDIS_DB', 0) ?? 13,
    keepDbs: env.BENCH_SCALE_KEEP_DB?.trim() === '1',
  };
}

function int(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < min) {
    throw new BenchError(`${name} must be a whole number ≥ ${min}, got '${raw}'`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// What the bench owns

class Resources {
  readonly viewsDb = `branchflow_scale_${process.pid}`;
  readonly kickoffDb = `branchflow_scale_kickoff_${process.pid}`;
  readonly prefix = `scale-${process.pid}`;
  readonly emptyTemplates = mkdtempSync(join(os.tmpdir(), 'branchflow-scale-'));
  readonly children = new Set<AppProcess>();
  readonly commands = new Set<ReturnType<typeof spawn>>();
  private releasing: Promise<string[]> | null = null;

  constructor(private readonly config: Config) {}

  dbUrl(db: string): string {
    const url = new URL(this.config.postgresUrl);
    url.pathname = `/${db}`;
    return url.toString();
  }

  redisUrl(): string {
    const url = new URL(this.config.redisUrl);
    url.pathname = `/${this.config.redisDb}`;
    return url.toString();
  }

  release(): Promise<string[]> {
    this.releasing ??= this.releaseAll();
    return this.releasing;
  }

  private async releaseAll(): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (error) {
        problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    for (const child of this.commands) child.kill('SIGTERM');
    await Promise.all([...this.children].map((child) => attempt(child.name, () => child.stop())));
    await attempt('redis keys', () => this.deleteRedisKeys());
    for (const db of this.config.keepDbs ? [] : [this.viewsDb, this.kickoffDb]) {
      await attempt(`drop database ${db}`, () =>
        adminQuery(this.config.postgresUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`),
      );
    }
    await attempt('templates folder', () =>
      Promise.resolve(rmSync(this.emptyTemplates, { recursive: true, force: true })),
    );
    return problems;
  }

  private async deleteRedisKeys(): Promise<void> {
    const redis = new Redis(this.redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}

async function adminQuery(admin: URL, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
function run(
  resources: Resources,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    resources.commands.add(child);
    let out = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      resources.commands.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), out, stdout });
    });
  });
}

const SWC = ['--import', '@swc-node/register/esm-register'];

async function cli(resources: Resources, db: string, ...args: string[]): Promise<string> {
  const result = await run(resources, [...SWC, 'apps/cli/src/main.ts', ...args], {
    DATABASE_URL: resources.dbUrl(db),
  });
  if (result.code !== 0) {
    throw new BenchError(`cli ${args.join(' ')} exited with ${result.code}:\n${result.out}`);
  }
  return result.out;
}

async function createDatabase(resources: Resources, config: Config, db: string): Promise<void> {
  await adminQuery(config.postgresUrl, `CREATE DATABASE "${db}"`);
  await cli(resources, db, 'db', 'migrate');
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: NaN, p95: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(0.5), p95: rank(0.95), max: sorted[sorted.length - 1] };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ms = (value: number) =>
  !Number.isFinite(value)
    ? 'n/a'
    : value >= 10_000
      ? `${(value / 1000).toFixed(1)} s`
      : `${value.toFixed(value < 100 ? 1 : 0)} ms`;

interface Figure {
  readonly what: string;
  readonly measured: string;
  readonly goal: string;
  readonly met: boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Phase 1: the views

interface ViewUsers {
  readonly committee: { readonly token: string; readonly id: string };
  readonly general: { readonly token: string; readonly id: string };
  readonly secretary: { readonly token: string; readonly id: string };
}

/** The three people of the issue's table, created as the product creates users (tokens). */
async function createUsers(databaseUrl: string): Promise<ViewUsers> {
  const dataSource = createDataSource(databaseUrl, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const org = new OrgDirectory(dataSource, systemClock);
    const user = async (name: string, role: 'supervisor' | 'secretary', orgUnitId: string) => {
      const { userId, token } = await org.createUser({ name, grants: [{ role, orgUnitId }] });
      return { id: userId, token };
    };
    return {
      committee: await user('党委组织部（基准）', 'supervisor', 'sc'),
      general: await user('第1党总支书记（基准）', 'supervisor', 'sc-g001'),
      secretary: await user('第1党支部书记（基准）', 'secretary', 'sc-b00001'),
    };
  } finally {
    await dataSource.destroy();
  }
}

interface ViewResult {
  readonly name: string;
  readonly path: string;
  readonly as: string;
  readonly goalMs: number;
  readonly firstMs: number;
  readonly ms: Distribution;
  /** What the first page held (items on it, and the total the api reported). */
  readonly shown: string;
}

async function get(
  port: number,
  token: string,
  path: string,
): Promise<{ ms: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(600_000),
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200) {
    throw new BenchError(`GET ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return { ms: elapsed, body: JSON.parse(text) as unknown };
}

function describe(body: unknown): string {
  if (Array.isArray(body)) return `${body.length} rows`;
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const items = Array.isArray(record.items) ? record.items.length : null;
    const rows = Array.isArray(record.rows) ? record.rows.length : null;
    const total = typeof record.total === 'number' ? record.total : null;
    const parts = [
      items !== null ? `${items} items` : null,
      rows !== null ? `${rows} rows` : null,
      total !== null ? `total ${integer.format(total)}` : null,
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(', ') : `keys ${Object.keys(record).join(', ')}`;
  }
  return typeof body;
}

/**
 * One view: a first request (cold: its own figure), then up to `requests` more, one at a time,
 * while `viewSeconds` last; p50 / p95 over those (over the first alone when it used the time).
 */
async function measureView(
  port: number,
  name: string,
  as: string,
  token: string,
  path: string,
  goalMs: number,
  config: Config,
  report: (line: string) => void,
): Promise<ViewResult> {
  const first = await get(port, token, path);
  const shown = describe(first.body);
  const samples: number[] = [];
  const deadline = performance.now() + config.viewSeconds * 1000;
  while (samples.length < config.requests && performance.now() + first.ms < deadline) {
    samples.push((await get(port, token, path)).ms);
  }
  const ms_ = distribution(samples.length > 0 ? samples : [first.ms]);
  report(
    `  ${name} (${as}): first ${ms(first.ms)}, then ${samples.length} requests p50 ${ms(ms_.p50)} ` +
      `p95 ${ms(ms_.p95)}; first page: ${shown}`,
  );
  return { name, path, as, goalMs, firstMs: first.ms, ms: ms_, shown };
}

function thisMonth(timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}`;
}

interface ViewsResult {
  readonly branches: number;
  readonly generationSeconds: number;
  readonly recount: string;
  readonly dataSet: Record<string, number>;
  readonly views: readonly ViewResult[];
}

async function viewsPhase(
  resources: Resources,
  config: Config,
  report: (line: string) => void,
): Promise<ViewsResult> {
  const env = loadEnv({});
  const db = resources.viewsDb;
  report(`views: database ${db}, ${integer.format(config.branches)} branches`);
  await createDatabase(resources, config, db);
  await cli(resources, db, 'deploy', TEMPLATES);
  const started = performance.now();
  const client = new pg.Client({ connectionString: resources.dbUrl(db) });
  await client.connect();
  let dataSet: Record<string, number>;
  let users: ViewUsers;
  try {
    report('  generating (set-based SQL):');
    await generateOrganisation(client, config.branches, report);
    users = await createUsers(resources.dbUrl(db));
    await generateWork(
      client,
      userTasks(TEMPLATES),
      { committeeSupervisor: users.committee.id, secretary: users.secretary.id },
      env.TIME_ZONE,
      report,
    );
    const vacuum = performance.now();
    await client.query('VACUUM ANALYZE');
    report(`    VACUUM ANALYZE: ${((performance.now() - vacuum) / 1000).toFixed(1)} s`);
    dataSet = await census(client, env.LEDGER_GRACE_DAYS);
  } finally {
    await client.end();
  }
  // Maintained roll-ups (issue 16) are recounted from the items, as after any bulk load.
  const recountStarted = performance.now();
  const recount = await run(resources, [...SWC, 'apps/cli/src/main.ts', 'ledger', 'recount'], {
    DATABASE_URL: resources.dbUrl(db),
  });
  const recountNote =
    recount.code === 0
      ? `cli ledger recount: ${((performance.now() - recountStarted) / 1000).toFixed(1)} s`
      : /unknown command 'ledger'/.test(recount.out)
        ? 'no `cli ledger recount` in this code: nothing to recount'
        : (() => {
            throw new BenchError(`cli ledger recount exited with ${recount.code}:\n${recount.out}`);
          })();
  const generationSeconds = (performance.now() - started) / 1000;
  report(
    `  data set in ${generationSeconds.toFixed(0)} s: ${Object.entries(dataSet)
      .map(([k, v]) => `${k} ${integer.format(v)}`)
      .join(', ')}; ${recountNote}`,
  );

  const port = await freePort();
  const api = new AppProcess('api', {
    DATABASE_URL: resources.dbUrl(db),
    REDIS_URL: resources.redisUrl(),
    BULLMQ_PREFIX: resources.prefix,
    TEMPLATES_DIR: resources.emptyTemplates,
    LOG_LEVEL: 'warn',
    PORT: String(port),
  });
  resources.children.add(api);
  api.start();
  await waitUntil('the api to answer /api/health', 90_000, async () => {
    if (!api.running) throw new BenchError(`api exited:\n${api.tail()}`);
    const response = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null);
    return response?.status === 200;
  });
  await readable(port, users.committee.token, resources.dbUrl(db), report);
  const month = thisMonth(env.TIME_ZONE);
  const rollup = `/api/ledger/rollup?period=month&from=${month}&to=${month}`;
  const u = users;
  const plan: [string, string, string, string, number][] = [
    [
      'GET /api/ledger/overdue, first page',
      'committee supervisor',
      u.committee.token,
      '/api/ledger/overdue',
      50,
    ],
    [
      'GET /api/ledger/overdue, first page',
      'general-branch supervisor',
      u.general.token,
      '/api/ledger/overdue',
      50,
    ],
    [
      'GET /api/tasks?state=open, first page',
      'branch secretary',
      u.secretary.token,
      '/api/tasks?state=open',
      50,
    ],
    [
      'GET /api/tasks?state=open, first page',
      'committee supervisor',
      u.committee.token,
      '/api/tasks?state=open',
      50,
    ],
    ['GET /api/ledger/rollup, this month', 'committee supervisor', u.committee.token, rollup, 100],
    [
      'GET /api/ledger/rollup, this month',
      'general-branch supervisor',
      u.general.token,
      rollup,
      100,
    ],
  ];
  const views: ViewResult[] = [];
  report(
    `  views over HTTP: a first request, then up to ${config.requests} in ${config.viewSeconds} s each`,
  );
  for (const [name, as, token, path, goal] of plan) {
    views.push(await measureView(port, name, as, token, path, goal, config, report));
  }
  await api.stop();
  resources.children.delete(api);
  if (config.keepDbs) report(`  kept database ${db} (BENCH_SCALE_KEEP_DB=1): drop it by hand`);
  else await adminQuery(config.postgresUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  return {
    branches: config.branches,
    generationSeconds,
    recount: recountNote,
    dataSet,
    views,
  };
}

/**
 * The generated rows read as the engine's and the ledger's own: an instance of each template in
 * each state, with its history and diagram, and an overdue item, through the api (200 each).
 */
async function readable(
  port: number,
  token: string,
  databaseUrl: string,
  report: (line: string) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let paths: string[];
  try {
    const { rows } = await client.query<{ path: string }>(
      `SELECT '/api/instances/' || id || suffix AS path
         FROM (SELECT DISTINCT ON (template_key, state) id FROM process_instances
                ORDER BY template_key, state, created_at DESC) i,
              unnest(ARRAY['', '/history', '/diagram']) suffix
       UNION ALL
       (SELECT '/api/ledger/items/' || id FROM ledger_items
         WHERE state IN ('open', 'in_progress') AND escalations > 0 ORDER BY id LIMIT 1)`,
    );
    paths = rows.map((row) => row.path);
  } finally {
    await client.end();
  }
  for (const path of paths) await get(port, token, path);
  report(
    `  the api reads the generated rows: ${paths.length} instance and item pages answered 200`,
  );
}

async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new BenchError(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 2: the month-start kick-off

interface KickoffResult {
  readonly branches: number;
  readonly members: number;
  readonly expected: { readonly themeDays: number; readonly birthdays: number };
  readonly started: { readonly themeDays: number; readonly birthdays: number };
  /** First instance's created_at → the last one's. */
  readonly firstToLastSeconds: number;
  /** First instance's created_at → every one committed (seen by a poll every 250 ms). */
  readonly firstToAllSeenSeconds: number;
  /** Worker spawned → every one committed. */
  readonly workerStartToAllSeenSeconds: number;
  readonly instancesPerSecond: number;
  /** Who used the cores from the first batch committed to the last (null: no /proc). */
  readonly cpu: CpuSplit | null;
}

/**
 * The worker's kick-off as it runs in production: a worker process started on a database of
 * 10,000 branches deploys the templates and opens the month (it does at start, and the hourly
 * catch-up would); whatever the kick-off does inside (one start at a time, batches, jobs over
 * the queue), the bench watches the database until every theme day and political birthday the
 * month wants is there.
 */
async function kickoffPhase(
  resources: Resources,
  config: Config,
  report: (line: string) => void,
): Promise<KickoffResult> {
  const env = loadEnv({});
  const db = resources.kickoffDb;
  const admitted = 10;
  report(
    `kick-off: database ${db}, ${integer.format(config.kickoffBranches)} branches with ` +
      `${admitted} admitted members each`,
  );
  await createDatabase(resources, config, db);
  const pool = new pg.Pool({ connectionString: resources.dbUrl(db), max: 1 });
  try {
    const client = await pool.connect();
    try {
      await generateOrganisation(client, config.kickoffBranches, report, admitted);
      await client.query('VACUUM ANALYZE');
    } finally {
      client.release();
    }
    const month = thisMonth(env.TIME_ZONE);
    // What the month wants (the kick-off's own rule): a theme day per branch; a political
    // birthday per admitted member admitted in this month of an earlier year.
    const [want] = (
      await pool.query<{ branches: number; members: number; birthdays: number }>(
        `SELECT (SELECT count(*) FROM org_units WHERE kind = 'branch')::int AS branches,
                (SELECT count(*) FROM members)::int AS members,
                (SELECT count(*) FROM members
                  WHERE status IN ('probationary', 'full') AND admission_date IS NOT NULL
                    AND extract(month FROM admission_date) = $1
                    AND extract(year FROM admission_date) < $2)::int AS birthdays`,
        [Number(month.slice(5)), Number(month.slice(0, 4))],
      )
    ).rows;
    const expected = want.branches + want.birthdays;
    report(
      `  wants ${integer.format(want.branches)} theme days + ${integer.format(want.birthdays)} ` +
        `political birthdays for ${month}; starting a worker (it deploys process-templates and ` +
        `opens the month)`,
    );
    const worker = new AppProcess(
      'worker',
      {
        DATABASE_URL: resources.dbUrl(db),
        REDIS_URL: resources.redisUrl(),
        BULLMQ_PREFIX: `${resources.prefix}-kickoff`,
        TEMPLATES_DIR: TEMPLATES,
        LOG_LEVEL: 'warn',
      },
      // BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=<dir>`): node options of the worker
      (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    );
    resources.children.add(worker);
    const spawned = Date.now();
    worker.start();
    const count = async () =>
      (
        await pool.query<{ theme: number; birthday: number }>(
          `SELECT count(*) FILTER (WHERE template_key = 'theme-day')::int AS theme,
                  count(*) FILTER (WHERE template_key = 'political-birthday')::int AS birthday
             FROM process_instances`,
        )
      ).rows[0];
    // Progress as the product shows it: the batches of the kick-off's bulk starts, each marked
    // done in the transaction that starts its instances — a read of a few dozen rows. (Counting
    // process_instances every 250 ms took 40 ms a read by the end: a sixth of a core taken from
    // the run it measures.) Once every instance is there, they are counted exactly below.
    const progress = async () =>
      (
        await pool.query<{ started: number }>(
          `SELECT COALESCE(sum(started), 0)::int AS started FROM bulk_start_batches WHERE state = 'done'`,
        )
      ).rows[0].started;
    let lastReport = Date.now();
    const sampler = new CpuSampler(
      () => new Map<number, CpuLabel>(worker.pid === undefined ? [] : [[worker.pid, 'worker']]),
      [db],
    );
    let sampling = false;
    await waitUntil(
      `the kick-off to start ${expected} instances`,
      config.kickoffWaitSeconds * 1000,
      async () => {
        if (!worker.running) throw new BenchError(`worker exited:\n${worker.tail()}`);
        const started = await progress();
        if (started > 0 && !sampling) {
          sampling = true;
          sampler.start();
        }
        if (Date.now() - lastReport > 15_000) {
          lastReport = Date.now();
          report(`  … ${integer.format(started)} of ${integer.format(expected)}`);
        }
        return started >= expected;
      },
    );
    const seen = Date.now();
    const cpu = await sampler.stop();
    await sleep(2000); // anything beyond what was wanted (a double start) would show now
    const last = await count();
    const [span] = (
      await pool.query<{ first: Date; last: Date }>(
        `SELECT min(created_at) AS first, max(created_at) AS last FROM process_instances`,
      )
    ).rows;
    await worker.stop();
    resources.children.delete(worker);
    if (last.theme !== want.branches || last.birthday !== want.birthdays) {
      throw new BenchError(
        `verification failed: the kick-off started ${last.theme} theme days and ` +
          `${last.birthday} political birthdays, wanted ${want.branches} and ${want.birthdays}`,
      );
    }
    const firstToAll = (seen - span.first.getTime()) / 1000;
    const result: KickoffResult = {
      branches: want.branches,
      members: want.members,
      expected: { themeDays: want.branches, birthdays: want.birthdays },
      started: { themeDays: last.theme, birthdays: last.birthday },
      firstToLastSeconds: (span.last.getTime() - span.first.getTime()) / 1000,
      firstToAllSeenSeconds: firstToAll,
      workerStartToAllSeenSeconds: (seen - spawned) / 1000,
      instancesPerSecond: expected / Math.max(firstToAll, 0.001),
      cpu,
    };
    report(
      `  ${integer.format(expected)} instances: first → last created ` +
        `${result.firstToLastSeconds.toFixed(1)} s, first → all committed ` +
        `${firstToAll.toFixed(1)} s (${integer.format(result.instancesPerSecond)}/s); worker ` +
        `start → all ${result.workerStartToAllSeenSeconds.toFixed(1)} s`,
    );
    report(cpuLine(cpu));
    return result;
  } finally {
    await pool.end();
    if (config.keepDbs) report(`  kept database ${db} (BENCH_SCALE_KEEP_DB=1): drop it by hand`);
    else await adminQuery(config.postgresUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 3: timers and the pgbench floor, by bench:runtime

interface RuntimeJson {
  readonly floorTps: number;
  readonly pgbench: { readonly tps: number };
  readonly pgbenchAfter: { readonly tps: number };
  readonly timers: {
    readonly count: number;
    readonly fired: number;
    readonly firedEarly: number;
    readonly firedWithin1s: number;
    readonly latenessMs: { readonly p50: number; readonly p99: number; readonly max: number };
  } | null;
}

interface TimersResult {
  readonly floorTps: number | null;
  readonly pgbenchTps: readonly number[];
  readonly timers: RuntimeJson['timers'];
  readonly error: string | null;
}

/**
 * `npm run bench:runtime -- --json` with the timers at BENCH_SCALE_TIMERS and short throughput
 * phases: its timer phase is the issue's figure, its pgbench runs (before and after its own
 * throughput runs) the floor of this run. A failed verification there (a timer not fired in
 * time) is reported as the figure, not as a crash.
 */
async function timersPhase(
  resources: Resources,
  config: Config,
  report: (line: string) => void,
): Promise<TimersResult> {
  report(`timers: bench:runtime --json with BENCH_TIMERS=${config.timers} (and its pgbench floor)`);
  const result = await run(resources, [...SWC, 'bench/runtime.bench.ts', '--json'], {
    BENCH_TIMERS: String(config.timers),
    BENCH_SECONDS: process.env.BENCH_SECONDS ?? '10',
    BENCH_WARMUP_SECONDS: process.env.BENCH_WARMUP_SECONDS ?? '2',
    BENCH_TWO_APIS: '0',
    BENCH_POSTGRES_URL: config.postgresUrl.toString(),
    BENCH_REDIS_URL: config.redisUrl.toString(),
    BENCH_REDIS_DB: String(config.redisDb),
  });
  if (result.code !== 0) {
    const error = result.out.trim().split('\n').slice(-5).join('\n');
    report(`  bench:runtime failed: ${error}`);
    return { floorTps: null, pgbenchTps: [], timers: null, error };
  }
  const parsed = JSON.parse(result.stdout) as RuntimeJson;
  const t = parsed.timers;
  report(
    `  pgbench ${integer.format(parsed.pgbench.tps)} / ${integer.format(parsed.pgbenchAfter.tps)} tps` +
      (t
        ? `; ${integer.format(t.fired)} of ${integer.format(t.count)} timers fired, lateness p99 ` +
          `${ms(t.latenessMs.p99)}`
        : ''),
  );
  return {
    floorTps: parsed.floorTps,
    pgbenchTps: [parsed.pgbench.tps, parsed.pgbenchAfter.tps],
    timers: t,
    error: null,
  };
}

// ---------------------------------------------------------------------------------------------

async function main(resources: Resources, config: Config): Promise<void> {
  const report = config.json ? console.error : console.log;
  const cpus = os.cpus();
  report(
    `scale bench: ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}); ` +
      `load average before: ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}; scale ${config.scale}`,
  );
  const started = performance.now();
  const views = config.phases.has('views') ? await viewsPhase(resources, config, report) : null;
  const kickoff = config.phases.has('kickoff')
    ? await kickoffPhase(resources, config, report)
    : null;
  const timers = config.phases.has('timers') ? await timersPhase(resources, config, report) : null;

  const figures: Figure[] = [];
  for (const v of views?.views ?? []) {
    figures.push({
      what: `${v.name}, ${v.as}`,
      measured: `p50 ${ms(v.ms.p50)}, p95 ${ms(v.ms.p95)} (${v.ms.count}; first ${ms(v.firstMs)})`,
      goal: `< ${v.goalMs} ms`,
      met: v.ms.p95 < v.goalMs,
    });
  }
  if (kickoff) {
    figures.push({
      what: `month-start kick-off, ${integer.format(kickoff.branches)} branches`,
      measured:
        `${kickoff.firstToAllSeenSeconds.toFixed(1)} s first → all ` +
        `(${integer.format(kickoff.started.themeDays + kickoff.started.birthdays)} instances, ` +
        `${integer.format(kickoff.instancesPerSecond)}/s)`,
      goal: '< 10 s first→last',
      met: kickoff.firstToAllSeenSeconds < 10,
    });
  }
  if (timers && config.timers > 0) {
    const t = timers.timers;
    figures.push({
      what: `${integer.format(config.timers)} timers due in the same second`,
      measured: t
        ? `p99 lateness ${ms(t.latenessMs.p99)}, ${integer.format(t.fired)} of ${integer.format(t.count)} fired`
        : `failed: ${timers.error ?? '?'}`,
      goal: '< 1 s, none lost',
      met: t ? t.latenessMs.p99 < 1000 && t.fired === t.count && t.firedEarly === 0 : false,
    });
  }
  const seconds = (performance.now() - started) / 1000;

  if (config.json) {
    console.log(
      JSON.stringify(
        {
          benchmark: 'scale',
          config: { ...config, phases: [...config.phases] },
          seconds,
          figures,
          views,
          kickoff,
          timers,
          machine: { cpus: cpus.length, loadAverageAfter: os.loadavg() },
        },
        null,
        2,
      ),
    );
    return;
  }
  const out = console.log;
  out('');
  if (views) {
    out(
      `data set (${integer.format(views.branches)} branches, generated in ` +
        `${views.generationSeconds.toFixed(0)} s): ` +
        Object.entries(views.dataSet)
          .map(([k, v]) => `${k.replaceAll('_', ' ')} ${integer.format(v)}`)
          .join(', '),
    );
  }
  out(
    `floor (pgbench tpcb-like, same run): ` +
      (timers?.floorTps
        ? `${integer.format(timers.floorTps)} tps (${timers.pgbenchTps.map((t) => integer.format(t)).join(' / ')})`
        : 'not measured'),
  );
  const width = Math.max(...figures.map((f) => f.what.length), 10);
  const mwidth = Math.max(...figures.map((f) => f.measured.length), 10);
  for (const f of figures) {
    out(
      `  ${f.what.padEnd(width)}  ${f.measured.padEnd(mwidth)}  goal ${f.goal.padEnd(18)} ` +
        `${f.met === null ? '' : f.met ? 'met' : 'NOT MET'}`,
    );
  }
  out(`(${seconds.toFixed(0)} s in all; a shared 2-core machine moves every figure)`);
}

const config = (() => {
  try {
    return readConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(
      `bench:scale: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(2);
  }
})();
if (config === 'help') {
  console.log(USAGE);
  process.exit(0);
}
const resources = new Resources(config);
let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`bench:scale: ${signal}, cleaning up\n`);
  void resources.release().finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  await main(resources, config);
} catch (error) {
  process.exitCode = 1;
  process.stderr.write(
    `bench:scale: ${error instanceof BenchError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
} finally {
  const problems = await resources.release();
  for (const problem of problems) process.stderr.write(`bench:scale: cleanup: ${problem}\n`);
}
