import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Env, loadEnv } from '@app/config';
import { OutboxDispatcher, QueueName } from '@app/queue';
import { DATA_SOURCE, REDIS_CONNECTION } from '@app/runtime';
import { DeploymentService, InstanceRuntime } from '@app/store';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue, RedisOptions } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type WorkerAppOptions, createWorkerApp } from '../../../apps/worker/src/index.js';
import { TestClock, isolatedDatabase } from '../../support/database.js';
import { deletePrefixKeys } from '../../support/redis-keys.js';
import { templateForms } from '../../support/template-forms.js';

/** Short retries for tests: 4 attempts, 100 ms apart. */
export const FAST_RETRIES = {
  attempts: 4,
  backoff: { type: 'fixed', delay: 100 },
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 3600 },
} as const;

export interface HarnessOptions extends Omit<WorkerAppOptions, 'env' | 'clock'> {
  /** Extra environment variables (strings, as the process would see them). */
  readonly env?: Record<string, string>;
  /** Templates written to a temporary TEMPLATES_DIR before the app starts. */
  readonly templates?: Record<string, string>;
}

export interface Harness {
  readonly app: INestApplicationContext;
  readonly env: Env;
  readonly clock: TestClock;
  readonly dataSource: DataSource;
  readonly runtime: InstanceRuntime;
  readonly prefix: string;
  readonly databaseUrl: string;
  get<T>(type: abstract new (...args: never[]) => T): T;
  queue(name: QueueName): Queue;
  deploy(name: string, xml: string): Promise<void>;
  /** What a Redis FLUSHALL does to this suite: deletes every key of its BullMQ prefix. */
  deleteQueueKeys(): Promise<number>;
  /** Closes the app (idempotent). */
  closeApp(): Promise<void>;
  /** Closes the app, deletes the prefix's keys and drops the suite's database. */
  close(): Promise<void>;
}

/**
 * A worker app on its own migrated database and its own BullMQ prefix. The worker's sweeps look
 * at the whole database, so suites that run workers never share one (nor a Redis prefix).
 */
export async function startHarness(tag: string, options: HarnessOptions = {}): Promise<Harness> {
  const database = await isolatedDatabase(`wk_${tag}`);
  const databaseUrl = database.url;

  const templatesDir = await mkdtemp(join(tmpdir(), `wk-templates-${tag}-`));
  for (const [file, xml] of Object.entries(options.templates ?? {})) {
    await writeFile(join(templatesDir, file), xml);
  }
  const prefix = `wk-${tag}-${process.pid}-${Date.now()}`;
  const env = loadEnv({
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    BULLMQ_PREFIX: prefix,
    TEMPLATES_DIR: templatesDir,
    WORKER_CONCURRENCY: '4',
    LOG_LEVEL: 'error',
    ...options.env,
    // The types of the handlers this worker registers are known to deploy, besides those listed
    SERVICE_TASK_TYPES: [
      ...Object.keys(options.handlers ?? {}),
      ...(options.env?.SERVICE_TASK_TYPES ?? '').split(','),
    ]
      .filter((type) => type !== '')
      .join(','),
  });
  const clock = new TestClock(Math.floor(Date.now() / 1000) * 1000);
  const app = await createWorkerApp({
    logger: ['fatal', 'error'],
    handlers: options.handlers,
    jobOptions: options.jobOptions,
    autorun: options.autorun,
    webhookTimeoutMs: options.webhookTimeoutMs,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    env,
    clock,
  });
  let closed = false;
  const closeApp = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await app.close();
  };
  const redisOptions = app.get<RedisOptions>(REDIS_CONNECTION);
  const deleteQueueKeys = () => deletePrefixKeys(redisOptions, prefix);
  const harness: Harness = {
    app,
    env,
    clock,
    dataSource: app.get<DataSource>(DATA_SOURCE),
    runtime: app.get(InstanceRuntime),
    prefix,
    databaseUrl,
    get: (type) => app.get(type),
    queue: (name) => app.get(OutboxDispatcher).queue(name),
    deploy: async (name, xml) => {
      await app.get(DeploymentService).deploy(name, xml, 'test', await templateForms());
    },
    deleteQueueKeys,
    closeApp,
    close: async () => {
      await closeApp();
      await deleteQueueKeys();
      await rm(templatesDir, { recursive: true, force: true });
      await database.drop();
    },
  };
  return harness;
}

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
