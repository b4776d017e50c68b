import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort, waitFor } from '../../support/processes.js';
import { E2E_ENV } from './env.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Where the api's and the worker's output go (test-results is not committed). */
const LOG_DIR = join(ROOT, 'test-results', 'e2e-logs');

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: WriteStream;
  output: string;
}

/**
 * Playwright's global setup: a world of its own for the browser tests, torn down by the
 * function it answers (Playwright runs that after the last test, also after a failure).
 *
 * 1. a fresh database `branchflow_e2e_<pid>_<time>`, migrated with `cli db migrate`, the
 *    sample organisation loaded with `cli seed` (log-ins with the password branchflow-dev);
 * 2. the web app built when stale (scripts/build-web-if-stale.ts, as `npm start` does);
 * 3. the real api and worker (apps/api, apps/worker), as `npm start` runs them, on a free
 *    port with a BullMQ prefix of their own and the repository's templates; ready when the
 *    api's health answers 200 and the worker says it processes (after it opened this month's
 *    theme days and political birthdays).
 *
 * The processes run on the real clock: neither reads an injected clock from the
 * environment, so "today" is today (the worker's catch-up opens this month's theme days).
 * The tests read the api's address and the database's URL from E2E_ENV.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const database = `branchflow_e2e_${tag}`;
  const prefix = `e2e-${tag.replace(/_/g, '-')}`;
  const databaseUrl = new URL(ADMIN_DATABASE_URL);
  databaseUrl.pathname = `/${database}`;
  const services: Service[] = [];

  const teardown = async (): Promise<void> => {
    await Promise.all(services.map((service) => stop(service)));
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await removeQueueKeys(prefix);
  };

  await mkdir(LOG_DIR, { recursive: true });
  await adminQuery(`CREATE DATABASE ${database}`);
  try {
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      BULLMQ_PREFIX: prefix,
      NODE_ENV: 'test',
      TEMPLATES_DIR: 'process-templates',
      // every request comes from 127.0.0.1, and some tests refuse a log-in on purpose
      AUTH_FAILURES_PER_MINUTE: '10000',
      RECONCILE_INTERVAL_MS: '1000',
      // group robots: the real hosts, and 127.0.0.1 where a test runs its stand-in robot
      CHANNEL_HOSTS: '127.0.0.1,qyapi.weixin.qq.com,oapi.dingtalk.com',
      NO_COLOR: '1',
    };
    runCli(env, ['db', 'migrate']);
    runCli(env, ['seed']);
    runNode(['scripts/build-web-if-stale.ts'], {}, 'the web app build');

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    services.push(start('api', { ...env, PORT: String(port) }));
    services.push(start('worker', env));
    await waitFor(
      'the api to answer /api/health',
      async () => {
        alive(services);
        return (await fetch(`${baseUrl}/api/health`)).status === 200;
      },
      120_000,
      500,
    );
    await waitFor(
      'the worker to start processing',
      () => {
        alive(services);
        return Promise.resolve(services[1].output.includes('processing '));
      },
      120_000,
      500,
    );
    process.env[E2E_ENV.baseUrl] = baseUrl;
    process.env[E2E_ENV.databaseUrl] = databaseUrl.toString();
    process.stdout.write(`e2e: api and worker on ${baseUrl}, database ${database}\n`);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function runNode(args: string[], env: Record<string, string>, what: string, quiet = false): void {
  const run = spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    },
  );
  if (run.status !== 0) {
    throw new Error(`${what} failed (exit ${run.status ?? run.signal})`);
  }
}

function runCli(env: Record<string, string>, args: string[]): void {
  // quiet: the seed prints the development tokens; its errors go to stderr
  runNode(['apps/cli/src/main.ts', ...args], env, `cli ${args.join(' ')}`, true);
}

/** One of the product's processes, as `npm run start:api` / `start:worker` runs it. */
function start(name: 'api' | 'worker', env: Record<string, string>): Service {
  const log = createWriteStream(join(LOG_DIR, `${name}.log`));
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', `apps/${name}/src/main.ts`],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const service: Service = { name, child, log, output: '' };
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    if (service.output.length < 200_000) service.output += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return service;
}

/** Throws, with the end of its output, when a service has exited. */
function alive(services: readonly Service[]): void {
  for (const service of services) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(
        `the ${service.name} exited (${service.child.exitCode ?? service.child.signalCode}):\n${service.output.split('\n').slice(-30).join('\n')}`,
      );
    }
  }
}

/** SIGTERM (graceful shutdown), SIGKILL after 15 s. */
async function stop(service: Service): Promise<void> {
  const { child } = service;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise<void>((resolve) => service.log.end(() => resolve()));
}

async function removeQueueKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
