import { expect } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '@app/config';
import { OrgDirectory } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApiApp } from '../../apps/api/src/app.factory.js';
import { TestClock } from '../support/database.js';
import { deletePrefixKeys } from '../support/redis-keys.js';

export const T0 = Date.parse('2026-03-02T09:00:00+08:00');

/** A client of the api that sends one user's bearer token with every request. */
export type ApiClient = ReturnType<typeof request.agent>;

export interface SuiteOrg {
  /** The suite's committee (root), with one general branch and two branches under it. */
  readonly committee: string;
  readonly general: string;
  readonly branchA: string;
  readonly branchB: string;
}

export interface ApiHarness {
  readonly app: NestFastifyApplication;
  /** As the suite's administrator: supervisor, secretary and integrator on the committee. */
  readonly http: ApiClient;
  /** Requests without a token. */
  readonly anonymous: ReturnType<typeof request>;
  readonly org: SuiteOrg;
  readonly admin: SuiteUser;
  /** Creates a user with the given role grants and answers a client that acts as them. */
  user(
    name: string,
    grants: readonly {
      role: 'secretary' | 'member' | 'supervisor' | 'integrator';
      orgUnitId: string;
    }[],
    memberId?: string,
  ): Promise<SuiteUser>;
  readonly clock: TestClock;
  readonly dataSource: DataSource;
  readonly templatesDir: string;
  /** A string unique to this suite, for template keys, users and groups. */
  readonly tag: string;
  close(): Promise<void>;
}

export interface SuiteUser {
  readonly userId: string;
  readonly token: string;
  readonly http: ApiClient;
}

export interface HarnessOptions {
  /** Forms written to `<TEMPLATES_DIR>/forms/<name>.form`. */
  readonly forms?: Record<string, object>;
  /** Environment overrides (e.g. a REDIS_URL nobody listens on). */
  readonly env?: Record<string, string>;
}

/**
 * Boots the api in-process, exactly as main.ts builds it, on this run's database, with its
 * own BullMQ prefix and templates folder, listening on an ephemeral port (so concurrent
 * supertest requests share one server). close() removes the queue keys and the folder.
 */
export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run through jest');
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const templatesDir = await mkdtemp(join(tmpdir(), 'branchflow-api-'));
  await mkdir(join(templatesDir, 'forms'));
  for (const [name, form] of Object.entries(options.forms ?? {})) {
    await writeFile(join(templatesDir, 'forms', `${name}.form`), JSON.stringify(form));
  }
  const prefix = `api-${tag}`;
  const env = loadEnv({
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL,
    BULLMQ_PREFIX: prefix,
    TEMPLATES_DIR: templatesDir,
    // every request of a suite comes from one address, and suites refuse on purpose; the
    // throttle's own spec (test/security/throttling.int-spec.ts) sets its limit
    AUTH_FAILURES_PER_MINUTE: '10000',
    ...options.env,
  });
  const clock = new TestClock(T0);
  const app = await createApiApp({ env, clock, logger: ['fatal', 'error'] });
  await app.listen(0, '127.0.0.1');
  const directory = app.get(OrgDirectory);
  const slug = tag.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const org: SuiteOrg = {
    committee: `c-${slug}`,
    general: `g-${slug}`,
    branchA: `a-${slug}`,
    branchB: `b-${slug}`,
  };
  await directory.createUnit({
    id: org.committee,
    parentId: null,
    kind: 'committee',
    name: '党委',
  });
  await directory.createUnit({
    id: org.general,
    parentId: org.committee,
    kind: 'general_branch',
    name: '党总支',
  });
  await directory.createUnit({
    id: org.branchA,
    parentId: org.general,
    kind: 'branch',
    name: '第一支部',
  });
  await directory.createUnit({
    id: org.branchB,
    parentId: org.general,
    kind: 'branch',
    name: '第二支部',
  });
  const server = app.getHttpServer();
  const user: ApiHarness['user'] = async (name, grants, memberId) => {
    const created = await directory.createUser({ name, grants, memberId });
    return {
      ...created,
      http: request.agent(server).set('Authorization', `Bearer ${created.token}`),
    };
  };
  const admin = await user(`admin-${tag}`, [
    { role: 'supervisor', orgUnitId: org.committee },
    { role: 'secretary', orgUnitId: org.committee },
    { role: 'integrator', orgUnitId: org.committee },
  ]);
  return {
    app,
    http: admin.http,
    anonymous: request(server),
    org,
    admin,
    user,
    clock,
    dataSource: app.get<DataSource>(DATA_SOURCE),
    templatesDir,
    tag,
    async close() {
      await app.close();
      await rm(templatesDir, { recursive: true, force: true });
      await removeQueueKeys(env.REDIS_URL, prefix);
    },
  };
}

async function removeQueueKeys(url: string, prefix: string): Promise<void> {
  try {
    await deletePrefixKeys(url, prefix);
  } catch {
    // Redis may be the service a test made unreachable; nothing was enqueued then.
  }
}

/** The keys an error body may have, and nothing else (no stack, no internals). */
export const ERROR_KEYS = ['statusCode', 'error', 'message', 'code', 'details', 'errorId'];

/** Asserts the common error body `{ statusCode, error, message, code, details? }`. */
export function expectError(
  response: { status: number; body: unknown },
  status: number,
  code?: string,
): Record<string, unknown> {
  const body = response.body as Record<string, unknown>;
  expect({ status: response.status, body }).toEqual({
    status,
    body: expect.objectContaining({
      statusCode: status,
      error: expect.any(String),
      // Every error names a stable code and says what went wrong in Chinese (messages.ts)
      message: expect.stringMatching(/[\u3400-\u9fff]/),
      code: code ?? expect.stringMatching(/^[A-Z][A-Z0-9_]*$/),
    }),
  });
  expect(Object.keys(body).filter((key) => !ERROR_KEYS.includes(key))).toEqual([]);
  return body;
}
