/**
 * Issue 15, the dev-mode log-in page: `GET /api/auth/sample-users` lists the sample
 * organisation's log-ins only while they are loaded, their well-known password still valid,
 * and NODE_ENV is not production; otherwise it answers as an unknown route. On a database of
 * its own (the seed fills an empty organisation only).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '@app/config';
import { AccountsRepository, OrgDirectory, hashPassword } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import { systemClock } from '@app/store';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/app.factory.js';
import { sampleOrganisation } from '../../apps/cli/src/seed/sample-organisation.js';
import { seedSampleOrganisation } from '../../apps/cli/src/seed/seed.js';
import { ERROR_KEYS } from '../api/api-harness.js';
import { isolatedDatabase } from '../support/database.js';

interface SampleUser {
  loginName: string;
  name: string;
  role: string;
  roleName: string;
  orgUnitName: string;
}

const PATH = '/api/auth/sample-users';

let drop: () => Promise<void>;
let templatesDir: string;
let databaseUrl: string;
const apps: NestFastifyApplication[] = [];

async function api(nodeEnv: string): Promise<NestFastifyApplication> {
  const env = loadEnv({
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL,
    BULLMQ_PREFIX: `sample-users-${process.pid}-${apps.length}`,
    TEMPLATES_DIR: templatesDir,
    NODE_ENV: nodeEnv,
  });
  const app = await createApiApp({ env, logger: ['fatal', 'error'] });
  apps.push(app);
  return app;
}

/** The answer for a route that does not exist, with the path swapped: what 404 must match. */
async function unknownRouteBody(app: NestFastifyApplication): Promise<Record<string, unknown>> {
  const response = await request(app.getHttpServer()).get('/api/auth/sample-userz');
  expect(response.status).toBe(404);
  const body = response.body as Record<string, unknown>;
  return JSON.parse(JSON.stringify(body).replaceAll('sample-userz', 'sample-users')) as Record<
    string,
    unknown
  >;
}

beforeAll(async () => {
  const database = await isolatedDatabase('sample_users');
  databaseUrl = database.url;
  drop = database.drop;
  templatesDir = await mkdtemp(join(tmpdir(), 'branchflow-sample-users-'));
}, 120_000);

afterAll(async () => {
  for (const app of apps) await app.close();
  await drop?.();
  await rm(templatesDir, { recursive: true, force: true });
});

describe('GET /api/auth/sample-users', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await api('development');
  });

  it('is a 404 like an unknown route while the sample organisation is not loaded', async () => {
    const response = await request(app.getHttpServer()).get(PATH);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(await unknownRouteBody(app));
  });

  it('lists every sample log-in by name, role and unit in Chinese, secretaries first, no ids', async () => {
    const seeded = await seedSampleOrganisation(
      app.get<DataSource>(DATA_SOURCE),
      app.get(OrgDirectory),
      systemClock,
    );
    expect(seeded.seeded).toBe(true);
    const response = await request(app.getHttpServer()).get(PATH);
    expect(response.status).toBe(200);
    const items = (response.body as { items: SampleUser[] }).items;
    const sample = sampleOrganisation();
    expect(items.map((item) => item.loginName).sort()).toEqual(
      sample.users.map((user) => user.loginName).sort(),
    );
    expect(items.find((item) => item.loginName === 'secretary.branch-rd')).toEqual({
      loginName: 'secretary.branch-rd',
      name: sample.users.find((user) => user.loginName === 'secretary.branch-rd')!.name,
      role: 'secretary',
      roleName: '书记',
      orgUnitName: '研发中心党支部',
    });
    expect(items.find((item) => item.loginName === 'supervisor')).toMatchObject({
      name: '集团党委组织部',
      roleName: '上级党组织',
      orgUnitName: '集团公司党委',
    });
    expect(items[0]).toMatchObject({ role: 'secretary' });
    expect(items.at(-1)).toMatchObject({ role: 'admin', roleName: '管理员' });
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual([
        'loginName',
        'name',
        'orgUnitName',
        'role',
        'roleName',
      ]);
      expect(JSON.stringify(item)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
  });

  it('leaves out a user whose password was changed', async () => {
    const accounts = new AccountsRepository(app.get<DataSource>(DATA_SOURCE), systemClock);
    const user = await accounts.userByLogin('member.branch-rd');
    const dataSource = app.get<DataSource>(DATA_SOURCE);
    const hash = await hashPassword('a-new-password-2026');
    await dataSource.transaction((tx) => accounts.setPassword(tx, user!.id, hash, false));
    const response = await request(app.getHttpServer()).get(PATH);
    expect(response.status).toBe(200);
    const logins = (response.body as { items: SampleUser[] }).items.map((item) => item.loginName);
    expect(logins).not.toContain('member.branch-rd');
    expect(logins).toContain('member.branch-production');
  });

  it('is a 404 with NODE_ENV=production, even while the sample passwords are valid', async () => {
    const production = await api('production');
    const response = await request(production.getHttpServer()).get(PATH);
    expect(response.status).toBe(404);
    expect(Object.keys(response.body as object).every((key) => ERROR_KEYS.includes(key))).toBe(
      true,
    );
    expect(response.body).toEqual(await unknownRouteBody(production));
  });

  it('is a 404 once the well-known passwords are revoked', async () => {
    const dataSource = app.get<DataSource>(DATA_SOURCE);
    const accounts = new AccountsRepository(dataSource, systemClock);
    await dataSource.transaction((tx) => accounts.revokeWellKnown(tx));
    const response = await request(app.getHttpServer()).get(PATH);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(await unknownRouteBody(app));
  });
});
