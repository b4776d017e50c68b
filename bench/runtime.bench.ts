/**
 * Runtime throughput: persisted task completions per second through the real api and worker
 * processes, PostgreSQL and Redis, against pgbench (tpcb-like) on the same machine as the floor;
 * latency from completing a task to the next one being visible, at half that load; and 10,000
 * timers falling due in the same second.
 *
 *   npm run bench:runtime              # human-readable report (~2½ min on the quiet 2-core machine)
 *   npm run bench:runtime -- --json    # one JSON document on stdout (progress on stderr)
 *
 * Everything it creates is its own and is removed at the end, also on failure and on Ctrl-C:
 * the databases branchflow_bench_<pid> (the product, created and migrated with `cli db
 * migrate`) and pgbench_<pid>, the BullMQ keys under the prefix bench-<pid> in one Redis
 * database (index 13 by default), and a temporary, empty templates folder. See
 * bench/README.md for what is measured and how to read it.
 *
 * Environment (all optional):
 *   BENCH_SECONDS             length of each timed phase: pgbench, throughput, half load (15)
 *   BENCH_WARMUP_SECONDS      warm-up before a throughput phase (3)
 *   BENCH_CLIENTS             concurrent clients, against the api and as pgbench -c (8)
 *   BENCH_TWO_APIS            1: also measure with two api processes; 0: skip (1)
 *   BENCH_TIMERS              timers due at the same instant; 0 skips the phase (10000)
 *   BENCH_TIMER_START         inprocess (InstanceRuntime in this process) or http (inprocess)
 *   BENCH_TIMER_LEAD_SECONDS  least time from the first timer start to the due instant (30)
 *   BENCH_TIMER_WAIT_SECONDS  how long after the due instant to wait for every timer (90)
 *   BENCH_TIMER_IN_FLIGHT     timer instance starts in flight at once (32)
 *   BENCH_PGBENCH_SCALE       pgbench -i -s (10)
 *   BENCH_POSTGRES_URL        admin connection (postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_REDIS_URL           redis://127.0.0.1:6379, BENCH_REDIS_DB its database index (13)
 *   BENCH_PGBENCH             the pgbench binary (pgbench, from PATH)
 *   BENCH_WORKER_CONCURRENCY, BENCH_RECONCILE_INTERVAL_MS  passed to the processes as
 *                             WORKER_CONCURRENCY / RECONCILE_INTERVAL_MS (default: the product's)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { loadEnv } from '@app/config';
import { OutboxDispatcher, QueueName, queueLocation } from '@app/queue';
import { OrgDirectory } from '@app/org';
import { DefinitionCache, InstanceRuntime, createDataSource, systemClock } from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import { Queue, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../test/support/processes.js';
import { type CpuLabel, CpuSampler, type CpuSplit, cpuLine } from './cpu-sampler.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEQUENTIAL_FIXTURE = new URL('./fixtures/sequential-10.bpmn', import.meta.url);
const TIMER_FIXTURE = new URL('./fixtures/timer-date.bpmn', import.meta.url);
const SEQUENTIAL_KEY = 'sequential10';
const TIMER_KEY = 'timerDate';
const TASKS_PER_INSTANCE = 10;

/** The goals from the issue; informational, nothing is asserted against them. */
const GOAL_RATIO = 0.4;
const GOAL_P99_MS = 50;

const USAGE = `usage: npm run bench:runtime [-- --json]

Starts its own api and worker processes against its own PostgreSQL database and Redis database
index, runs pgbench as the floor, and prints completions/s, latency at half load and timer
lateness. Environment: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CLIENTS, BENCH_TWO_APIS,
BENCH_TIMERS, BENCH_TIMER_START, BENCH_TIMER_LEAD_SECONDS, BENCH_TIMER_WAIT_SECONDS,
BENCH_TIMER_IN_FLIGHT, BENCH_PGBENCH_SCALE, BENCH_POSTGRES_URL, BENCH_REDIS_URL, BENCH_REDIS_DB, BENCH_PGBENCH,
BENCH_WORKER_CONCURRENCY, BENCH_RECONCILE_INTERVAL_MS (see bench/README.md).`;

/** A wrong setting, a process that would not start, or a wrong result: abort, exit 1. */
class BenchError extends Error {
  override name = 'BenchError';
}

// ---------------------------------------------------------------------------------------------
// Configuration

interface Config {
  readonly json: boolean;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly clients: number;
  readonly twoApis: boolean;
  readonly timers: number;
  readonly timerLeadSeconds: number;
  readonly timerWaitSeconds: number;
  readonly timerInFlight: number;
  readonly timerStart: TimerStart;
  readonly pgbenchScale: number;
  readonly postgresUrl: URL;
  readonly redisUrl: URL;
  readonly redisDb: number;
  readonly pgbench: string;
  /** Extra environment for the api and worker processes. */
  readonly processEnv: Readonly<Record<string, string>>;
}

function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config | 'help' {
  let json = false;
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') return 'help';
    else throw new BenchError(`unknown argument '${arg}'\n\n${USAGE}`);
  }
  const processEnv: Record<string, string> = {};
  const worker = optionalInt(env, 'BENCH_WORKER_CONCURRENCY', 1);
  if (worker !== undefined) processEnv.WORKER_CONCURRENCY = String(worker);
  const reconcile = optionalInt(env, 'BENCH_RECONCILE_INTERVAL_MS', 100);
  if (reconcile !== undefined) processEnv.RECONCILE_INTERVAL_MS = String(reconcile);
  const twoApis = optionalInt(env, 'BENCH_TWO_APIS', 0) ?? 1;
  return {
    json,
    seconds: optionalInt(env, 'BENCH_SECONDS', 1) ?? 15,
    warmupSeconds: optionalInt(env, 'BENCH_WARMUP_SECONDS', 1) ?? 3,
    clients: optionalInt(env, 'BENCH_CLIENTS', 1) ?? 8,
    twoApis: twoApis > 0,
    timers: optionalInt(env, 'BENCH_TIMERS', 0) ?? 10_000,
    timerLeadSeconds: optionalInt(env, 'BENCH_TIMER_LEAD_SECONDS', 1) ?? 30,
    timerWaitSeconds: optionalInt(env, 'BENCH_TIMER_WAIT_SECONDS', 1) ?? 90,
    timerInFlight: optionalInt(env, 'BENCH_TIMER_IN_FLIGHT', 1) ?? 32,
    timerStart: timerStart(env.BENCH_TIMER_START),
    pgbenchScale: optionalInt(env, 'BENCH_PGBENCH_SCALE', 1) ?? 10,
    postgresUrl: url(env, 'BENCH_POSTGRES_URL', 'postgres://postgres@127.0.0.1:5432/postgres', [
      'postgres:',
      'postgresql:',
    ]),
    redisUrl: url(env, 'BENCH_REDIS_URL', 'redis://127.0.0.1:6379', ['redis:']),
    redisDb: optionalInt(env, 'BENCH_REDIS_DB', 0) ?? 13,
    pgbench: env.BENCH_PGBENCH?.trim() || 'pgbench',
    processEnv,
  };
}

type TimerStart = 'inprocess' | 'http';

const STARTED_VIA: Record<TimerStart, string> = {
  inprocess: 'in-process (InstanceRuntime + OutboxDispatcher of @app/store, @app/queue)',
  http: 'through HTTP (POST /api/instances)',
};

function timerStart(raw: string | undefined): TimerStart {
  const value = raw?.trim() || 'inprocess';
  if (value !== 'inprocess' && value !== 'http') {
    throw new BenchError(`BENCH_TIMER_START must be 'inprocess' or 'http', got '${value}'`);
  }
  return value;
}

function optionalInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < min) {
    throw new BenchError(`${name} must be a whole number ≥ ${min}, got '${raw}'`);
  }
  return value;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string, protocols: string[]): URL {
  const raw = env[name]?.trim() || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new BenchError(`${name} is not a URL: '${raw}'`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new BenchError(`${name} must be a ${protocols[0]}// URL, got '${raw}'`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// What the bench owns, and how it is removed again

interface Owned {
  readonly productDb: string;
  readonly pgbenchDb: string;
  readonly prefix: string;
  readonly templatesDir: string;
}

class Resources {
  readonly owned: Owned;
  readonly children = new Set<AppProcess>();
  private cleaning: Promise<string[]> | null = null;
  private queue: Queue | null = null;
  pool: pg.Pool | null = null;
  /** Released first (in-process runtime pieces). */
  readonly closers = new Set<() => Promise<void>>();

  constructor(private readonly config: Config) {
    const tag = process.pid;
    this.owned = {
      productDb: `branchflow_bench_${tag}`,
      pgbenchDb: `pgbench_${tag}`,
      prefix: `bench-${tag}`,
      templatesDir: mkdtempSync(join(os.tmpdir(), 'branchflow-bench-')),
    };
  }

  /** DATABASE_URL of the product database. */
  productUrl(): string {
    const target = new URL(this.config.postgresUrl);
    target.pathname = `/${this.owned.productDb}`;
    return target.toString();
  }

  redisUrl(): string {
    const target = new URL(this.config.redisUrl);
    target.pathname = `/${this.config.redisDb}`;
    return target.toString();
  }

  redisConnection(): RedisOptions {
    return {
      host: this.config.redisUrl.hostname,
      port: Number(this.config.redisUrl.port || 6379),
      db: this.config.redisDb,
      password: this.config.redisUrl.password || undefined,
      maxRetriesPerRequest: null,
    };
  }

  /** A BullMQ queue handle under the bench's prefix (read-only use: counts, workers). */
  timersQueue(): Queue {
    if (!this.queue) {
      const connection = this.redisConnection();
      const { name, prefix } = queueLocation(QueueName.Timers, {
        prefix: this.owned.prefix,
        connection,
      });
      this.queue = new Queue(name, { prefix, connection });
    }
    return this.queue;
  }

  /** Idempotent; returns what could not be removed. */
  release(): Promise<string[]> {
    this.cleaning ??= this.releaseAll();
    return this.cleaning;
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
    await attempt('commands', killCommands);
    for (const close of this.closers) await attempt('in-process runtime', close);
    await Promise.all([...this.children].map((child) => attempt(child.name, () => child.stop())));
    await attempt('bullmq queue', async () => this.queue?.close());
    await attempt('pool', async () => this.pool?.end());
    await attempt('redis keys', () => this.deleteRedisKeys());
    for (const db of [this.owned.productDb, this.owned.pgbenchDb]) {
      await attempt(`drop database ${db}`, () =>
        adminQuery(this.config.postgresUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`),
      );
    }
    await attempt('templates folder', () =>
      Promise.resolve(rmSync(this.owned.templatesDir, { recursive: true, force: true })),
    );
    return problems;
  }

  private async deleteRedisKeys(): Promise<void> {
    const redis = new Redis(this.redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${this.owned.prefix}:*`,
          'COUNT',
          1000,
        );
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

// ---------------------------------------------------------------------------------------------
// Processes

/** Extra node arguments for the api and worker (`BENCH_NODE_ARGS`, e.g. `--cpu-prof`). */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/** The product's api or worker, started as `npm run start:*` does (node + swc, no build). */
class AppProcess {
  private child: ChildProcess | null = null;
  private readonly output: string[] = [];
  /** How it ended, when it ended on its own ('exit code 1', 'signal SIGKILL'). */
  private ended: string | null = null;

  constructor(
    readonly name: string,
    private readonly entry: 'api' | 'worker',
    private readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(
      process.execPath,
      [
        ...NODE_ARGS,
        '--import',
        '@swc-node/register/esm-register',
        `apps/${this.entry}/src/main.ts`,
      ],
      { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.splice(0, 50);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      this.ended = signal ? `signal ${signal}` : `exit code ${code}`;
    });
    this.child = child;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Last resort on exit: no waiting. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** How it ended and the last lines it wrote. */
  tail(lines = 30): string {
    const output = this.output.join('').trimEnd().split('\n').slice(-lines).join('\n');
    return `${this.ended ?? 'still running'}${output ? `, last output:\n${output}` : ', no output'}`;
  }
}

/** Commands in progress (pgbench, cli db migrate): killed first when the bench stops. */
const commands = new Set<ChildProcess>();

async function killCommands(): Promise<void> {
  await Promise.all(
    [...commands].map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
function run(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; onSpawn?: (pid: number) => void } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) {
      options.onSpawn?.(child.pid);
      commands.add(child);
      child.once('exit', () => commands.delete(child));
    }
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', (error) => reject(new BenchError(`${command}: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else {
        reject(
          new BenchError(
            `${command} ${args.join(' ')} exited with ${code ?? signal}:\n${out.trimEnd()}`,
          ),
        );
      }
    });
  });
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  alive: () => string | null = () => null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    const dead = alive();
    if (dead !== null) throw new BenchError(`${what}: ${dead}`);
    if (Date.now() > deadline) throw new BenchError(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP: a lean HTTP/1.1 client over kept-alive sockets. The load generator shares the two
// cores with what it measures (pgbench's client is C), so it does no more than the protocol
// needs: one request at a time per socket, answers framed by Content-Length (the api sets it;
// anything else fails the run).

interface Reply {
  readonly status: number;
  readonly text: string;
}

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** One kept-alive connection: one request in flight at a time. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (error: Error) => {
      this.closed = true;
      const pending = this.pending;
      this.pending = null;
      pending?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the answer')));
  }

  get usable(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  send(head: string, body: Buffer | undefined): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : head, 'latin1');
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!match) {
      this.socket.destroy(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const total = end + 4 + Number(match[1]);
    if (this.buffer.length < total) return;
    const text = this.buffer.toString('utf8', end + 4, total);
    this.buffer = this.buffer.subarray(total);
    const pending = this.pending;
    this.pending = null;
    pending?.resolve({ status, text });
  }
}

class Http {
  private readonly idle = new Map<number, Connection[]>();

  /** `token`: the bearer token every request carries. */
  constructor(private readonly token: string) {}

  /** Drops idle connections between phases (the server closes them after 5 s anyway). */
  reset(): void {
    for (const connections of this.idle.values()) for (const c of connections) c.destroy();
    this.idle.clear();
  }

  async request(
    port: number,
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    type = 'application/json',
  ): Promise<Reply> {
    const idle = this.idle.get(port) ?? [];
    this.idle.set(port, idle);
    let connection = idle.pop();
    while (connection && !connection.usable) connection = idle.pop();
    connection ??= await Http.connect(port);
    const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Authorization: Bearer ${this.token}\r\n` +
      (bytes ? `Content-Type: ${type}\r\nContent-Length: ${bytes.length}\r\n` : '') +
      '\r\n';
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        connection.send(head, bytes),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${method} ${path}: no answer in 30 s`)),
            30_000,
          );
        }),
      ]);
      idle.push(connection);
      return reply;
    } catch (error) {
      connection.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private static connect(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  async json<T>(
    port: number,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    expected: number,
  ): Promise<T> {
    const reply = await this.request(
      port,
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (reply.status !== expected) {
      throw new BenchError(
        `${method} ${path} answered ${reply.status}, expected ${expected}: ${reply.text.slice(0, 500)}`,
      );
    }
    return JSON.parse(reply.text) as T;
  }
}

interface OpenTask {
  readonly id: string;
  readonly kind: string;
  readonly elementId: string;
}

interface InstanceView {
  readonly id: string;
  readonly state: string;
  readonly openTasks: readonly OpenTask[];
}

interface TaskList {
  readonly items: readonly { id: string; elementId: string; state: string }[];
  readonly total: number;
}

// ---------------------------------------------------------------------------------------------
// The workload: 10 sequential user tasks per instance

interface Cursor {
  readonly instanceId: string;
  taskId: string;
  /** Completions done by the bench on this instance. */
  done: number;
}

interface Samples {
  /** Completions whose 200 came back inside the timed window. */
  completions: number;
  /** Instances started inline because the prepared pool ran dry (their time is in the window). */
  inlineStarts: number;
  readonly responseMs: number[];
  readonly visibleMs: number[];
  readonly slipMs: number[];
}

const emptySamples = (): Samples => ({
  completions: 0,
  inlineStarts: 0,
  responseMs: [],
  visibleMs: [],
  slipMs: [],
});

class Workload {
  /** Instances with an open task, waiting for a client. */
  readonly pool: Cursor[] = [];
  /** Completions per instance, as the bench did them (checked against the database). */
  readonly tally = new Map<string, number>();
  startsMs = 0;
  starts = 0;

  constructor(
    private readonly http: Http,
    private readonly sequence: readonly string[],
  ) {}

  /** Starts instances (untimed for the phases) with `inFlight` requests at once. */
  async fill(ports: readonly number[], count: number, inFlight: number): Promise<void> {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(inFlight, count) }, async (_, lane) => {
        while (next < count) {
          next++;
          this.pool.push(await this.start(ports[lane % ports.length]));
        }
      }),
    );
    this.startsMs += performance.now() - started;
    this.starts += count;
  }

  /** Tasks still to complete in the pool. */
  pooledTasks(): number {
    return this.pool.reduce((sum, cursor) => sum + TASKS_PER_INSTANCE - cursor.done, 0);
  }

  async start(port: number): Promise<Cursor> {
    const view = await this.http.json<InstanceView>(
      port,
      'POST',
      '/api/instances',
      { templateKey: SEQUENTIAL_KEY },
      201,
    );
    const cursor: Cursor = { instanceId: view.id, taskId: '', done: 0 };
    cursor.taskId = this.expectNext(cursor, view);
    this.tally.set(view.id, 0);
    return cursor;
  }

  /** Completes the cursor's open task; checks the answer shows the next one (or the end). */
  async complete(port: number, cursor: Cursor): Promise<number> {
    const t0 = performance.now();
    const reply = await this.http.request(
      port,
      'POST',
      `/api/tasks/${cursor.taskId}/complete`,
      '{"variables":{}}',
    );
    const elapsed = performance.now() - t0;
    if (reply.status !== 200) {
      throw new BenchError(
        `POST /api/tasks/${cursor.taskId}/complete answered ${reply.status}: ${reply.text.slice(0, 500)}`,
      );
    }
    cursor.done++;
    this.tally.set(cursor.instanceId, cursor.done);
    cursor.taskId = this.expectNext(cursor, JSON.parse(reply.text) as InstanceView);
    return elapsed;
  }

  /** The id of the task that must be open now ('' once the instance has ended). */
  private expectNext(cursor: Cursor, view: InstanceView): string {
    const open = view.openTasks;
    if (cursor.done === TASKS_PER_INSTANCE) {
      if (view.state !== 'completed' || open.length !== 0) {
        fail(
          `instance ${cursor.instanceId} is '${view.state}' with ${open.length} open task(s) ` +
            `after its ${TASKS_PER_INSTANCE} completions`,
        );
      }
      return '';
    }
    const expected = this.sequence[cursor.done];
    if (view.state !== 'active' || open.length !== 1 || open[0].elementId !== expected) {
      fail(
        `instance ${cursor.instanceId} after ${cursor.done} completion(s): state '${view.state}', ` +
          `open [${open.map((task) => task.elementId).join(', ')}], expected [${expected}]`,
      );
    }
    return open[0].id;
  }

  /** A cursor for a client: from the pool, else a new instance (counted as an inline start). */
  async take(port: number, samples: Samples): Promise<Cursor> {
    const cursor = this.pool.pop();
    if (cursor) return cursor;
    samples.inlineStarts++;
    return this.start(port);
  }

  /** Closed loop: each client completes tasks back to back for `seconds`. */
  async saturate(ports: readonly number[], clients: number, seconds: number): Promise<Phase> {
    const samples = emptySamples();
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        const port = ports[i % ports.length];
        let cursor = await this.take(port, samples);
        while (performance.now() < end) {
          const ms = await this.complete(port, cursor);
          if (performance.now() <= end) {
            samples.completions++;
            samples.responseMs.push(ms);
          }
          if (cursor.done === TASKS_PER_INSTANCE) {
            if (performance.now() >= end) return;
            cursor = await this.take(port, samples);
          }
        }
        if (cursor.done < TASKS_PER_INSTANCE) this.pool.push(cursor);
      }),
    );
    return { samples, seconds: (end - started) / 1000 };
  }

  /**
   * Paced: `rate` completions/s in all, spread over the clients on a fixed schedule. Each
   * completion is followed by a separate `GET /api/tasks?instanceId=&state=open` that must show
   * the next task (or none once the instance ended): completion → 200 and completion → seen by
   * a separate reader are both recorded, from the moment the complete request was sent.
   */
  async paced(port: number, clients: number, seconds: number, rate: number): Promise<Phase> {
    const samples = emptySamples();
    const started = performance.now();
    const end = started + seconds * 1000;
    const interval = (clients * 1000) / rate;
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        let cursor = await this.take(port, samples);
        let due = started + (i * 1000) / rate;
        for (;;) {
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const t0 = performance.now();
          if (t0 >= end) break;
          const slip = t0 - due;
          const responseMs = await this.complete(port, cursor);
          const list = await this.http.json<TaskList>(
            port,
            'GET',
            `/api/tasks?instanceId=${cursor.instanceId}&state=open`,
            undefined,
            200,
          );
          const visibleMs = performance.now() - t0;
          const seen = list.items.map((task) => task.id);
          const expected = cursor.taskId === '' ? [] : [cursor.taskId];
          if (seen.length !== expected.length || seen[0] !== expected[0]) {
            fail(
              `GET /api/tasks?instanceId=${cursor.instanceId}&state=open right after a completion ` +
                `showed [${seen.join(', ')}], expected [${expected.join(', ')}]`,
            );
          }
          if (performance.now() <= end) {
            samples.completions++;
            samples.responseMs.push(responseMs);
            samples.visibleMs.push(visibleMs);
            samples.slipMs.push(slip);
          }
          if (cursor.done === TASKS_PER_INSTANCE) cursor = await this.take(port, samples);
          // A fixed schedule; a client more than one interval behind drops the slots it missed
          // rather than bursting to catch up (the slip is recorded, so a backlog still shows).
          due = Math.max(due + interval, performance.now() - interval);
        }
        if (cursor.done < TASKS_PER_INSTANCE) this.pool.push(cursor);
      }),
    );
    return { samples, seconds: (end - started) / 1000 };
  }
}

interface Phase {
  readonly samples: Samples;
  readonly seconds: number;
}

function fail(message: string): never {
  throw new BenchError(`verification failed: ${message}`);
}

function userTaskSequence(xml: string): string[] {
  const ids = [...xml.matchAll(/<bpmn:userTask id="([^"]+)"/g)].map((match) => match[1]);
  if (ids.length !== TASKS_PER_INSTANCE) {
    throw new BenchError(`${fileURLToPath(SEQUENTIAL_FIXTURE)}: expected 10 user tasks`);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Statistics

interface Distribution {
  readonly count: number;
  readonly min: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) {
    return { count: 0, min: NaN, p10: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  }
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return {
    count: sorted.length,
    min: sorted[0],
    p10: rank(0.1),
    p50: rank(0.5),
    p90: rank(0.9),
    p99: rank(0.99),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

// ---------------------------------------------------------------------------------------------
// The phases

interface PgbenchResult {
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  readonly scale: number;
  readonly tps: number;
  readonly latencyAverageMs: number | null;
  readonly transactions: number | null;
  readonly cpu: CpuSplit | null;
}

interface ThroughputResult {
  readonly apis: number;
  readonly clients: number;
  readonly seconds: number;
  readonly completions: number;
  readonly completionsPerSecond: number;
  readonly oursOverPgbench: number;
  readonly responseMs: Distribution;
  readonly inlineStarts: number;
  readonly cpu: CpuSplit | null;
}

interface HalfLoadResult {
  readonly clients: number;
  readonly seconds: number;
  readonly targetPerSecond: number;
  readonly completionsPerSecond: number;
  readonly completions: number;
  /** Sending the complete request → its 200, whose body lists the next open task. */
  readonly responseMs: Distribution;
  /** Sending the complete request → a separate GET /api/tasks has shown the next task. */
  readonly visibleMs: Distribution;
  /** How late the requests left against their schedule (a backlog shows here). */
  readonly scheduleSlipMs: Distribution;
  readonly inlineStarts: number;
  readonly cpu: CpuSplit | null;
}

interface TimerResult {
  readonly count: number;
  readonly dueAt: string;
  readonly startedVia: TimerStart;
  /** Enqueues after commit that failed (the reconciler delivers those). */
  readonly dispatchErrors: number;
  readonly inFlight: number;
  readonly startSeconds: number;
  readonly startsPerSecond: number;
  /** Seconds between the last instance started and the due instant. */
  readonly spareSeconds: number;
  /** fire-timer jobs waiting in Redis (delayed) just before the due instant. */
  readonly delayedJobsBeforeDue: number;
  readonly fired: number;
  readonly firedEarly: number;
  readonly instancesCompleted: number;
  readonly latenessMs: Distribution;
  readonly firedWithin1s: number;
  readonly firedWithin5s: number;
  readonly failedJobs: number;
  readonly cpu: CpuSplit | null;
}

async function runPgbench(
  config: Config,
  owned: Owned,
  sampler: CpuSampler,
  onPid: (pid: number) => void,
  report: (line: string) => void,
): Promise<PgbenchResult> {
  const admin = config.postgresUrl;
  const connection = [
    '-h',
    admin.hostname,
    '-p',
    admin.port || '5432',
    '-U',
    decodeURIComponent(admin.username || 'postgres'),
  ];
  const env = admin.password ? { PGPASSWORD: decodeURIComponent(admin.password) } : undefined;
  const threads = Math.min(2, config.clients);
  report(
    `pgbench: -c ${config.clients} -j ${threads} -T ${config.seconds} -b tpcb-like ` +
      `(scale ${config.pgbenchScale}, database ${owned.pgbenchDb})`,
  );
  sampler.start();
  const out = await run(
    config.pgbench,
    [
      ...connection,
      '-c',
      String(config.clients),
      '-j',
      String(threads),
      '-T',
      String(config.seconds),
      '-b',
      'tpcb-like',
      '--no-vacuum',
      owned.pgbenchDb,
    ],
    { env, onSpawn: onPid },
  );
  const cpu = await sampler.stop();
  const tps = /^tps = ([\d.]+)/m.exec(out);
  if (!tps) throw new BenchError(`pgbench printed no 'tps =' line:\n${out}`);
  const latency = /^latency average = ([\d.]+) ms/m.exec(out);
  const transactions = /^number of transactions actually processed: (\d+)/m.exec(out);
  return {
    clients: config.clients,
    threads,
    seconds: config.seconds,
    scale: config.pgbenchScale,
    tps: Number(tps[1]),
    latencyAverageMs: latency ? Number(latency[1]) : null,
    transactions: transactions ? Number(transactions[1]) : null,
    cpu,
  };
}

async function initPgbench(config: Config, owned: Owned): Promise<void> {
  const admin = config.postgresUrl;
  await adminQuery(admin, `CREATE DATABASE "${owned.pgbenchDb}"`);
  await run(
    config.pgbench,
    [
      '-h',
      admin.hostname,
      '-p',
      admin.port || '5432',
      '-U',
      decodeURIComponent(admin.username || 'postgres'),
      '-i',
      '-q',
      '-s',
      String(config.pgbenchScale),
      owned.pgbenchDb,
    ],
    { env: admin.password ? { PGPASSWORD: decodeURIComponent(admin.password) } : undefined },
  );
}

async function startApi(
  resources: Resources,
  env: Record<string, string>,
  http: Http,
  name: string,
): Promise<{ process: AppProcess; port: number }> {
  const port = await freePort();
  const api = new AppProcess(name, 'api', { ...env, PORT: String(port) });
  resources.children.add(api);
  api.start();
  await waitFor(
    `${name} healthy on port ${port}`,
    async () => (await http.request(port, 'GET', '/api/health')).status === 200,
    90_000,
    () => (api.running ? null : `${name} exited (${api.tail()})`),
  );
  return { process: api, port };
}

async function deploy(http: Http, port: number, file: URL): Promise<void> {
  const name = fileURLToPath(file).split('/').pop() ?? 'bench.bpmn';
  const reply = await http.request(
    port,
    'POST',
    `/api/templates?name=${encodeURIComponent(name)}`,
    readFileSync(file, 'utf8'),
    'application/xml',
  );
  if (reply.status !== 201 && reply.status !== 200) {
    throw new BenchError(`deploying ${name} answered ${reply.status}: ${reply.text.slice(0, 500)}`);
  }
}

/** Enough instances in the pool for `rate` completions/s over `seconds` (+50 %, + 1 per client). */
async function topUp(
  workload: Workload,
  ports: readonly number[],
  rate: number,
  seconds: number,
  clients: number,
  inFlight: number,
): Promise<void> {
  const tasksWanted = Math.ceil(rate * seconds * 1.5) + clients * TASKS_PER_INSTANCE;
  const missing = Math.ceil((tasksWanted - workload.pooledTasks()) / TASKS_PER_INSTANCE);
  if (missing > 0) await workload.fill(ports, missing, inFlight);
}

async function throughput(
  workload: Workload,
  ports: readonly number[],
  config: Config,
  sampler: CpuSampler,
  pgbenchTps: number,
  report: (line: string) => void,
): Promise<ThroughputResult> {
  const label = `${ports.length} api`;
  // Warm-up: JIT, connection pools, caches; its rate sizes the pool for the timed phase.
  await topUp(workload, ports, pgbenchTps, config.warmupSeconds, config.clients, 32);
  const warm = await workload.saturate(ports, config.clients, config.warmupSeconds);
  const warmRate = warm.samples.completions / warm.seconds;
  report(`  ${label}: warm-up ${config.warmupSeconds} s, ${Math.round(warmRate)} completions/s`);
  await topUp(workload, ports, warmRate * 1.3, config.seconds, config.clients, 32);
  sampler.start();
  const phase = await workload.saturate(ports, config.clients, config.seconds);
  const cpu = await sampler.stop();
  const rate = phase.samples.completions / phase.seconds;
  report(
    `  ${label}: ${phase.samples.completions} completions in ${phase.seconds.toFixed(1)} s ` +
      `= ${Math.round(rate)}/s`,
  );
  return {
    apis: ports.length,
    clients: config.clients,
    seconds: phase.seconds,
    completions: phase.samples.completions,
    completionsPerSecond: rate,
    oursOverPgbench: rate / pgbenchTps,
    responseMs: distribution(phase.samples.responseMs),
    inlineStarts: phase.samples.inlineStarts,
    cpu,
  };
}

async function halfLoad(
  workload: Workload,
  port: number,
  config: Config,
  sampler: CpuSampler,
  fullRate: number,
  report: (line: string) => void,
): Promise<HalfLoadResult> {
  const target = fullRate / 2;
  await topUp(workload, [port], target, config.seconds, config.clients, 32);
  report(`  half load: ${Math.round(target)} completions/s for ${config.seconds} s`);
  sampler.start();
  const phase = await workload.paced(port, config.clients, config.seconds, target);
  const cpu = await sampler.stop();
  return {
    clients: config.clients,
    seconds: phase.seconds,
    targetPerSecond: target,
    completions: phase.samples.completions,
    completionsPerSecond: phase.samples.completions / phase.seconds,
    responseMs: distribution(phase.samples.responseMs),
    visibleMs: distribution(phase.samples.visibleMs),
    scheduleSlipMs: distribution(phase.samples.slipMs),
    inlineStarts: phase.samples.inlineStarts,
    cpu,
  };
}

/** Every instance the bench touched has exactly the completions it made, and ended after 10. */
async function verifyCompletions(
  db: pg.Pool,
  workload: Workload,
): Promise<{ instances: number; completedInstances: number; completions: number }> {
  const { rows } = await db.query<{
    id: string;
    state: string;
    completed: number;
    open: number;
  }>(
    `SELECT i.id, i.state::text,
            count(t.id) FILTER (WHERE t.state = 'completed')::int AS completed,
            count(t.id) FILTER (WHERE t.state = 'open')::int AS open
       FROM process_instances i LEFT JOIN tasks t ON t.instance_id = i.id
      WHERE i.template_key = $1
      GROUP BY i.id`,
    [SEQUENTIAL_KEY],
  );
  if (rows.length !== workload.tally.size) {
    fail(`${rows.length} instances in the database, the bench started ${workload.tally.size}`);
  }
  let completions = 0;
  let completedInstances = 0;
  for (const row of rows) {
    const ours = workload.tally.get(row.id);
    if (ours === undefined) fail(`instance ${row.id} was not started by the bench`);
    if (row.completed !== ours) {
      fail(
        `instance ${row.id}: ${row.completed} completed tasks in the database, bench did ${ours}`,
      );
    }
    const ended = ours === TASKS_PER_INSTANCE;
    if (ended !== (row.state === 'completed') || row.open !== (ended ? 0 : 1)) {
      fail(`instance ${row.id}: '${row.state}' with ${row.open} open task(s) after ${ours}`);
    }
    completions += ours;
    if (ended) completedInstances++;
  }
  return { instances: rows.length, completedInstances, completions };
}

/** Starts timer instances: through the api, or in this process with the product's runtime. */
interface TimerStarter {
  start(dueAt: string): Promise<{ id: string; state: string }>;
  dispatchErrors(): number;
  close(): Promise<void>;
}

function httpStarter(http: Http, port: number): TimerStarter {
  return {
    async start(dueAt) {
      const view = await http.json<InstanceView>(
        port,
        'POST',
        '/api/instances',
        { templateKey: TIMER_KEY, variables: { dueAt } },
        201,
      );
      return { id: view.id, state: view.openTasks.length === 0 ? view.state : 'with tasks' };
    },
    dispatchErrors: () => 0,
    close: () => Promise.resolve(),
  };
}

/**
 * The same code path as the api's POST /api/instances without HTTP and Nest: InstanceRuntime
 * (one transaction per start: instance, timer row, audit, outbox row), then the outbox rows of
 * that start handed to the OutboxDispatcher (BullMQ delayed job), as the api does after commit.
 */
async function inProcessStarter(resources: Resources): Promise<TimerStarter> {
  const env = loadEnv({
    DATABASE_URL: resources.productUrl(),
    REDIS_URL: resources.redisUrl(),
    BULLMQ_PREFIX: resources.owned.prefix,
  });
  const dataSource = createDataSource(env.DATABASE_URL, { poolSize: env.DATABASE_POOL_SIZE });
  await dataSource.initialize();
  const dispatcher = new OutboxDispatcher(dataSource, {
    connection: resources.redisConnection(),
    prefix: env.BULLMQ_PREFIX,
    now: () => systemClock.now(),
  });
  let errors = 0;
  const runtime = new InstanceRuntime(
    dataSource,
    new DefinitionCache(dataSource),
    systemClock,
    { timeZone: env.TIME_ZONE, reminderOffsets: env.reminderOffsets, projectors: STEP_PROJECTORS },
    dispatcher,
    () => errors++,
  );
  const close = async () => {
    resources.closers.delete(close);
    await dispatcher.close();
    if (dataSource.isInitialized) await dataSource.destroy();
  };
  resources.closers.add(close);
  return {
    async start(dueAt) {
      const summary = await runtime.start(
        { templateKey: TIMER_KEY, variables: { dueAt } },
        'bench:runtime',
      );
      return { id: summary.id, state: summary.state };
    },
    dispatchErrors: () => errors,
    close,
  };
}

/**
 * Starts `count` timer instances, `inFlight` at a time; returns the seconds it took. With
 * `mustEndBy` (epoch ms), gives up once a tenth is done and the rest would end after it.
 */
async function startMany(
  starter: TimerStarter,
  count: number,
  dueAt: string,
  inFlight: number,
  mustEndBy = Infinity,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  const projection: { end: number | null } = { end: null };
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count && projection.end === null) {
        next++;
        const { id, state } = await starter.start(dueAt);
        if (state !== 'active') fail(`timer instance ${id} started '${state}'`);
        done++;
        if (done === Math.ceil(count / 10)) {
          const end = Date.now() + ((performance.now() - started) * (count - done)) / done;
          if (end > mustEndBy) projection.end = end;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (projection.end !== null) {
    throw new BenchError(
      `starting ${count} timer instances (${Math.round(done / seconds)}/s) would end ` +
        `${((projection.end - mustEndBy) / 1000 + 2).toFixed(1)} s after their due instant: ` +
        `raise BENCH_TIMER_LEAD_SECONDS or lower BENCH_TIMERS`,
    );
  }
  return seconds;
}

async function timers(
  http: Http,
  port: number,
  db: pg.Pool,
  resources: Resources,
  config: Config,
  sampler: CpuSampler,
  report: (line: string) => void,
  alive: () => void,
): Promise<TimerResult> {
  const count = config.timers;
  const inFlight = Math.min(config.timerInFlight, count);
  const starter =
    config.timerStart === 'http' ? httpStarter(http, port) : await inProcessStarter(resources);
  let startSeconds: number;
  let due: number;
  let dueAt: string;
  let pilot: number;
  try {
    // Pilot: a few starts (their timers due a day later, left alone) give the start rate, and
    // so the due instant: late enough for every start to be done, not much later. Its first
    // hundred open the connections and warm the code; the rest are timed.
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const warm = Math.min(100, Math.ceil(count / 20));
    const timed = Math.min(300, Math.ceil(count / 10));
    await startMany(starter, warm, later, inFlight);
    const pilotRate = timed / (await startMany(starter, timed, later, inFlight));
    pilot = warm + timed;
    const lead = Math.max(config.timerLeadSeconds, Math.ceil((count / pilotRate) * 1.2 + 5));
    due = Math.ceil((Date.now() + lead * 1000) / 1000) * 1000; // on a whole second
    dueAt = new Date(due).toISOString();
    report(
      `timers: starting ${count} instances of '${TIMER_KEY}' ${STARTED_VIA[config.timerStart]}, ` +
        `${inFlight} in flight, all due at ${dueAt} (in ${lead} s; pilot ` +
        `${Math.round(pilotRate)} starts/s)`,
    );
    startSeconds = await startMany(starter, count, dueAt, inFlight, due - 2000);
  } finally {
    await starter.close();
  }
  if (starter.dispatchErrors() > 0) {
    report(`  ${starter.dispatchErrors()} enqueues after commit failed (left to the reconciler)`);
  }
  const spareSeconds = (due - Date.now()) / 1000;
  report(
    `  started in ${startSeconds.toFixed(1)} s (${Math.round(count / startSeconds)}/s); ` +
      `${spareSeconds.toFixed(1)} s to spare`,
  );
  if (spareSeconds < 1) {
    throw new BenchError(
      `starting the timer instances overran the due instant (${(-spareSeconds).toFixed(1)} s ` +
        `late): raise BENCH_TIMER_LEAD_SECONDS or lower BENCH_TIMERS`,
    );
  }
  const scheduled = async () =>
    (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM timers WHERE state = 'scheduled' AND due_at = $1`,
        [new Date(due)],
      )
    ).rows[0].n;
  if ((await scheduled()) !== count) fail(`${await scheduled()} timers scheduled, not ${count}`);
  await sleep(Math.max(0, due - Date.now() - 1500));
  const delayedJobsBeforeDue = (await resources.timersQueue().getDelayedCount()) - pilot;
  await sleep(Math.max(0, due - Date.now()));
  report(`  due now; waiting for the worker (up to ${config.timerWaitSeconds} s)`);
  sampler.start();
  const deadline = due + config.timerWaitSeconds * 1000;
  let left = count;
  while (left > 0 && Date.now() < deadline) {
    await sleep(250);
    alive();
    left = await scheduled();
  }
  const cpu = await sampler.stop();
  const { rows } = await db.query<{ ms: number; state: string }>(
    `SELECT state::text, (extract(epoch FROM fired_at - due_at) * 1000)::float8 AS ms
       FROM timers WHERE due_at = $1`,
    [new Date(due)],
  );
  const lateness = rows.filter((row) => row.state === 'fired').map((row) => row.ms);
  const [instances] = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM process_instances WHERE template_key = $1 AND state = 'completed'`,
      [TIMER_KEY],
    )
  ).rows;
  const failedJobs = await resources.timersQueue().getFailedCount();
  return {
    count,
    dueAt,
    startedVia: config.timerStart,
    dispatchErrors: starter.dispatchErrors(),
    inFlight: config.timerInFlight,
    startSeconds,
    startsPerSecond: count / startSeconds,
    spareSeconds,
    delayedJobsBeforeDue,
    fired: lateness.length,
    firedEarly: lateness.filter((ms) => ms < 0).length,
    instancesCompleted: instances.n,
    latenessMs: distribution(lateness),
    firedWithin1s: lateness.filter((ms) => ms <= 1000).length,
    firedWithin5s: lateness.filter((ms) => ms <= 5000).length,
    failedJobs,
    cpu,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const seconds = (value: number) =>
  Number.isFinite(value) ? `${(value / 1000).toFixed(2)} s` : 'n/a';
const times = (value: number) => `${value.toFixed(2)}×`;

function distributionLine(name: string, d: Distribution, unit = ms): string {
  return (
    `  ${name.padEnd(44)} p50 ${unit(d.p50).padStart(9)}   p99 ${unit(d.p99).padStart(9)}` +
    `   max ${unit(d.max).padStart(9)}`
  );
}

// ---------------------------------------------------------------------------------------------

async function main(resources: Resources, config: Config): Promise<void> {
  const report = config.json ? console.error : console.log;
  const { owned } = resources;
  const cpus = os.cpus();
  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    loadAverageBefore: os.loadavg().map((value) => Number(value.toFixed(2))),
  };
  const pgSettings = await adminQuery(
    config.postgresUrl,
    `SELECT version() AS version,
            current_setting('synchronous_commit') AS synchronous_commit,
            current_setting('fsync') AS fsync,
            current_setting('shared_buffers') AS shared_buffers,
            current_setting('max_connections') AS max_connections`,
  );
  const postgres = pgSettings.rows[0] as Record<string, string>;
  const redisProbe = new Redis(resources.redisUrl(), { lazyConnect: true });
  await redisProbe.connect();
  const redisVersion = /redis_version:(\S+)/.exec(await redisProbe.info('server'))?.[1] ?? '?';
  const strangers = await redisProbe.dbsize();
  redisProbe.disconnect();

  report(
    `runtime bench: ${machine.node}, ${machine.platform}, ${machine.cpus} CPUs ` +
      `(${machine.cpuModel}); load average before: ${machine.loadAverageBefore.join(' ')}`,
  );
  report(
    `  ${postgres.version.split(' on ')[0]} (synchronous_commit=${postgres.synchronous_commit}, ` +
      `fsync=${postgres.fsync}, shared_buffers=${postgres.shared_buffers}); Redis ${redisVersion} ` +
      `db ${config.redisDb} (${strangers} keys of others there, left alone), prefix ${owned.prefix}`,
  );

  const known = new Map<number, CpuLabel>();
  const sampler = new CpuSampler(() => known, [owned.productDb, owned.pgbenchDb]);

  // Setup: both databases at once (pgbench's data load and the product's migration).
  report(`setup: ${owned.pgbenchDb} (pgbench -i -s ${config.pgbenchScale}), ${owned.productDb}`);
  // allSettled: both finish before a failure is reported, so the cleanup finds what they made.
  const setup = await Promise.allSettled([
    initPgbench(config, owned),
    run(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', 'db', 'migrate'],
      { env: { DATABASE_URL: resources.productUrl() } },
    ),
  ]);
  for (const step of setup) if (step.status === 'rejected') throw step.reason;

  // 1. The floor, with nothing of ours running.
  const pgbench = async (): Promise<PgbenchResult> => {
    let pid = 0;
    const result = await runPgbench(
      config,
      owned,
      sampler,
      (spawned) => {
        pid = spawned;
        known.set(spawned, 'pgbench');
      },
      report,
    );
    known.delete(pid);
    report(`  ${result.tps.toFixed(0)} tps`);
    return result;
  };
  const floor = await pgbench();

  // 2. The product: one api, one worker.
  const env: Record<string, string> = {
    DATABASE_URL: resources.productUrl(),
    REDIS_URL: resources.redisUrl(),
    BULLMQ_PREFIX: owned.prefix,
    TEMPLATES_DIR: owned.templatesDir,
    LOG_LEVEL: 'warn',
    ...config.processEnv,
  };
  const http = new Http(await benchToken(resources.productUrl()));
  report('starting api + worker');
  const worker = new AppProcess('worker', 'worker', env);
  resources.children.add(worker);
  worker.start();
  const api = await startApi(resources, env, http, 'api');
  await waitFor(
    'the worker to take the timers queue',
    async () => (await resources.timersQueue().getWorkersCount()) > 0,
    90_000,
    () => (worker.running ? null : `worker exited (${worker.tail()})`),
  );
  known.set(api.process.pid ?? -1, 'api');
  known.set(worker.pid ?? -1, 'worker');
  await deploy(http, api.port, SEQUENTIAL_FIXTURE);
  await deploy(http, api.port, TIMER_FIXTURE);
  const alive = () => {
    for (const child of resources.children) {
      if (!child.running) throw new BenchError(`${child.name} exited (${child.tail()})`);
    }
  };

  const workload = new Workload(http, userTaskSequence(readFileSync(SEQUENTIAL_FIXTURE, 'utf8')));
  report(`throughput: ${config.clients} clients, closed loop, ${config.seconds} s per run`);
  const measured: ThroughputResult[] = [];
  measured.push(await throughput(workload, [api.port], config, sampler, floor.tps, report));
  alive();
  http.reset();
  if (config.twoApis) {
    const second = await startApi(resources, env, http, 'api-2');
    known.set(second.process.pid ?? -1, 'api');
    measured.push(
      await throughput(workload, [api.port, second.port], config, sampler, floor.tps, report),
    );
    alive();
    await second.process.stop();
    resources.children.delete(second.process);
    http.reset();
  }

  // The floor again, right after: what the machine gave pgbench can drift over a run (the
  // machines are shared); the ratio is taken against the mean of the two.
  const floorAfter = await pgbench();
  await adminQuery(config.postgresUrl, `DROP DATABASE IF EXISTS "${owned.pgbenchDb}" WITH (FORCE)`);
  const floorTps = (floor.tps + floorAfter.tps) / 2;
  const runs = measured.map((r) => ({ ...r, oursOverPgbench: r.completionsPerSecond / floorTps }));
  const single = runs[0];

  // 3. Latency at half the single-api throughput.
  report(
    `latency: ${config.clients} clients paced to half of ${Math.round(single.completionsPerSecond)}/s`,
  );
  const half = await halfLoad(
    workload,
    api.port,
    config,
    sampler,
    single.completionsPerSecond,
    report,
  );
  alive();
  http.reset();

  resources.pool = new pg.Pool({ connectionString: resources.productUrl(), max: 2 });
  const verified = await verifyCompletions(resources.pool, workload);
  report(
    `verified: ${integer.format(verified.completions)} completions on ${integer.format(verified.instances)} ` +
      `instances match the database; ${integer.format(verified.completedInstances)} instances ended ` +
      `with ${TASKS_PER_INSTANCE} completed tasks`,
  );
  const startsPerSecond = (workload.starts / workload.startsMs) * 1000;

  // 4. Timers.
  let timerResult: TimerResult | null = null;
  if (config.timers > 0) {
    timerResult = await timers(
      http,
      api.port,
      resources.pool,
      resources,
      config,
      sampler,
      report,
      alive,
    );
    alive();
    if (timerResult.fired !== timerResult.count) {
      fail(
        `${timerResult.fired} of ${timerResult.count} timers fired within ` +
          `${config.timerWaitSeconds} s of their due instant`,
      );
    }
    if (timerResult.firedEarly > 0) fail(`${timerResult.firedEarly} timers fired before due`);
    if (timerResult.instancesCompleted !== timerResult.count) {
      fail(`${timerResult.instancesCompleted} of ${timerResult.count} timer instances completed`);
    }
  }

  const goal = {
    ratio: GOAL_RATIO,
    p99Ms: GOAL_P99_MS,
    oursOverPgbench: single.oursOverPgbench,
    ratioMet: single.oursOverPgbench >= GOAL_RATIO,
    p99VisibleMs: half.visibleMs.p99,
    p99Met: half.visibleMs.p99 < GOAL_P99_MS,
  };
  // Anything else busy on the machine during a timed phase makes every figure lower.
  const splits = [
    floor.cpu,
    floorAfter.cpu,
    ...runs.map((r) => r.cpu),
    half.cpu,
    timerResult?.cpu ?? null,
  ];
  const foreign = splits.map((cpu) => (cpu ? cpu.other + cpu.postgresOtherDbs : 0));
  const sharedMachine = {
    maxForeignCores: Math.max(...foreign),
    names: [...new Set(splits.flatMap((cpu) => cpu?.otherTop.map((p) => p.name) ?? []))],
  };

  if (config.json) {
    console.log(
      JSON.stringify(
        {
          benchmark: 'runtime',
          machine,
          services: {
            postgres,
            redis: { version: redisVersion, db: config.redisDb, prefix: owned.prefix },
          },
          config: {
            seconds: config.seconds,
            warmupSeconds: config.warmupSeconds,
            clients: config.clients,
            twoApis: config.twoApis,
            timers: config.timers,
            timerInFlight: config.timerInFlight,
            pgbenchScale: config.pgbenchScale,
            processEnv: { LOG_LEVEL: 'warn', ...config.processEnv },
          },
          verified: { ...verified, timers: timerResult !== null },
          pgbench: floor,
          pgbenchAfter: floorAfter,
          floorTps,
          throughput: runs,
          halfLoad: half,
          instanceStarts: {
            count: workload.starts,
            seconds: workload.startsMs / 1000,
            perSecond: startsPerSecond,
            inFlight: 32,
          },
          timers: timerResult,
          goal,
          sharedMachine,
        },
        null,
        2,
      ),
    );
    return;
  }

  const out = console.log;
  out('');
  out(
    `floor: pgbench tpcb-like, ${floor.clients} clients, -j ${floor.threads}, ${floor.seconds} s, ` +
      `scale ${floor.scale}`,
  );
  for (const [when, result] of [
    ['before ours', floor],
    ['after ours', floorAfter],
  ] as const) {
    out(
      `  ${when.padEnd(12)}${integer.format(result.tps).padStart(7)} tps` +
        (result.latencyAverageMs === null
          ? ''
          : `   (latency average ${ms(result.latencyAverageMs)})`),
    );
    out(cpuLine(result.cpu));
  }
  out(
    `  floor (mean) ${integer.format(floorTps).padStart(6)} tps: the ratios below are against it`,
  );
  out('');
  out(`task completions (10 sequential user tasks; persisted = the 200 came back after commit)`);
  for (const r of runs) {
    out(
      `  ${`${r.apis} api + 1 worker, ${r.clients} clients, ${r.seconds.toFixed(0)} s`.padEnd(36)}` +
        `${integer.format(r.completionsPerSecond).padStart(7)} completions/s = ${times(r.oursOverPgbench)} pgbench` +
        `   (response p50 ${ms(r.responseMs.p50)}, p99 ${ms(r.responseMs.p99)}` +
        (r.inlineStarts > 0 ? `; ${r.inlineStarts} instances started inline` : '') +
        ')',
    );
    out(cpuLine(r.cpu));
  }
  out(
    `  instance starts (untimed setup, 32 in flight): ${integer.format(startsPerSecond)}/s ` +
      `over ${integer.format(workload.starts)} starts`,
  );
  out('');
  out(
    `latency at half load: target ${integer.format(half.targetPerSecond)}/s, achieved ` +
      `${integer.format(half.completionsPerSecond)}/s (${half.completions} completions, 1 api, ` +
      `${half.clients} clients)`,
  );
  out(distributionLine('complete → its 200 (body lists the next task)', half.responseMs));
  out(distributionLine('complete → next task seen by a separate GET', half.visibleMs));
  out(distributionLine('schedule slip (sent late by)', half.scheduleSlipMs));
  out(cpuLine(half.cpu));
  if (timerResult) {
    const t = timerResult;
    out('');
    out(
      `timers: ${integer.format(t.count)} due at ${t.dueAt}; started ${t.startedVia === 'http' ? 'through HTTP' : 'in-process'} in ` +
        `${t.startSeconds.toFixed(1)} s (${integer.format(t.startsPerSecond)}/s, ${t.inFlight} in flight), ` +
        `${t.spareSeconds.toFixed(1)} s before due; ${integer.format(t.delayedJobsBeforeDue)} delayed jobs in Redis 1.5 s before`,
    );
    out(
      `  fired ${integer.format(t.fired)}/${integer.format(t.count)}, instances completed ` +
        `${integer.format(t.instancesCompleted)}, failed jobs ${t.failedJobs}; within 1 s of due: ` +
        `${integer.format(t.firedWithin1s)}, within 5 s: ${integer.format(t.firedWithin5s)}`,
    );
    out(distributionLine('lateness (timers.fired_at − due_at)', t.latenessMs, seconds));
    out(
      `    first fired ${seconds(t.latenessMs.min)} after due, a tenth by ${seconds(t.latenessMs.p10)}`,
    );
    out(cpuLine(t.cpu));
  }
  out('');
  out(`goal (issue): ≥ ${GOAL_RATIO}× pgbench tps, and p99 < ${GOAL_P99_MS} ms at half that load`);
  out(
    `  throughput: ${times(goal.oursOverPgbench)} pgbench (${goal.ratioMet ? 'met' : 'not met'}; ` +
      `1 api + 1 worker)`,
  );
  out(
    `  p99 at half load: ${ms(half.visibleMs.p99)} to the separate GET, ${ms(half.responseMs.p99)} ` +
      `to the 200 (${goal.p99Met ? 'met' : 'not met'}: ${(half.visibleMs.p99 / GOAL_P99_MS).toFixed(2)}× the ${GOAL_P99_MS} ms)`,
  );
  out('  (informational: the bench verifies results, never asserts timings)');
  if (sharedMachine.maxForeignCores >= 0.2) {
    out('');
    out(
      `note: the machine was shared: in one phase other processes used ` +
        `${sharedMachine.maxForeignCores.toFixed(2)} of the ${machine.cpus} cores` +
        (sharedMachine.names.length > 0 ? ` (${sharedMachine.names.join(', ')})` : '') +
        '; the figures above are lower than on a quiet machine.',
    );
  }
}

const config = (() => {
  try {
    return readConfig(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`bench:runtime: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
})();
if (config === 'help') {
  console.log(USAGE);
} else {
  const resources = new Resources(config);
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    stopping = true;
    console.error(`bench:runtime: ${signal}, cleaning up`);
    void resources.release().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.once('exit', () => {
    for (const child of resources.children) child.killNow();
  });
  try {
    await main(resources, config);
  } catch (error) {
    process.exitCode = 1;
    // After Ctrl-C the phase in progress fails as its connections close: not worth printing.
    if (stopping) await new Promise<never>(() => undefined);
    if (error instanceof BenchError) console.error(`bench:runtime: ${error.message}`);
    else console.error(error);
  } finally {
    const problems = await resources.release();
    for (const problem of problems) console.error(`bench:runtime: cleanup: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  }
}

/**
 * A committee and a user who deploys, starts and completes everything in it (supervisor,
 * secretary and integrator there); answers the user's bearer token.
 */
async function benchToken(databaseUrl: string): Promise<string> {
  const dataSource = createDataSource(databaseUrl, { poolSize: 1 });
  await dataSource.initialize();
  try {
    const org = new OrgDirectory(dataSource, systemClock);
    await org.createUnit({ id: 'bench', parentId: null, kind: 'committee', name: '基准测试党委' });
    const { token } = await org.createUser({
      name: 'bench',
      grants: (['supervisor', 'secretary', 'integrator'] as const).map((role) => ({
        role,
        orgUnitId: 'bench',
      })),
    });
    return token;
  } finally {
    await dataSource.destroy();
  }
}
