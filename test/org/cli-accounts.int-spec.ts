/**
 * Issue 14, parts 1 and 4: the operators' `user list/disable` and `token list/revoke` verbs, and
 * the api's refusal to start with NODE_ENV=production while a well-known development credential
 * (the sample's tokens and passwords) is valid — spawned as operators run them, against a
 * database of their own (the seed writes fixed unit ids).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsRepository, verifyPassword } from '@app/org';
import { systemClock } from '@app/store';
import type { DataSource } from 'typeorm';
import { DEV_PASSWORD, sampleOrganisation } from '../../apps/cli/src/seed/sample-organisation.js';
import { isolatedDatabase, testDataSource } from '../support/database.js';
import { freePort } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let databaseUrl: string;
let drop: () => Promise<void>;
let dataSource: DataSource;
let accounts: AccountsRepository;
let emptyDir: string;

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, DATABASE_URL: databaseUrl } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs apps/api/src/main.ts with NODE_ENV=production on this suite's database. */
function startProductionApi(port: number): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        TEMPLATES_DIR: emptyDir,
        BULLMQ_PREFIX: `cli-accounts-${process.pid}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

beforeAll(async () => {
  const database = await isolatedDatabase('cli_accounts');
  databaseUrl = database.url;
  drop = database.drop;
  dataSource = await testDataSource(2, databaseUrl);
  accounts = new AccountsRepository(dataSource, systemClock);
  emptyDir = await mkdtemp(join(tmpdir(), 'branchflow-cli-accounts-'));
  const seeded = await cli('seed');
  expect(seeded.code).toBe(0);
}, 120_000);

afterAll(async () => {
  await dataSource?.destroy();
  await drop?.();
  await rm(emptyDir, { recursive: true, force: true });
});

describe('cli: accounts', () => {
  it('seeds every sample user with its login name and the well-known password', async () => {
    const sample = sampleOrganisation();
    for (const user of sample.users) {
      const found = await accounts.userByLogin(user.loginName);
      expect(found).toMatchObject({ name: user.name, wellKnown: true, mustChangePassword: false });
      const [row] = await dataSource.query<{ password_hash: string }[]>(
        `SELECT password_hash FROM users WHERE login_name = $1`,
        [user.loginName],
      );
      expect(await verifyPassword(DEV_PASSWORD, row.password_hash)).toBe(true);
    }
    expect((await accounts.wellKnownCredentials()).length).toBe(sample.users.length * 2);
  });

  it('user list prints one user a line; user disable revokes their tokens; bad input exits 2 with one line', async () => {
    const list = await cli('user', 'list', '--org', 'branch-rd');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(
      lines.some((line) => line.includes('  secretary.branch-rd  active  secretary@branch-rd  ')),
    ).toBe(true);
    expect(lines.every((line) => !line.includes('branch-it'))).toBe(true);
    const member = lines.find((line) => line.includes('member.branch-rd'))!;
    const userId = member.split(/\s+/)[0];
    expect(await cli('user', 'disable', '--user', userId)).toMatchObject({ code: 0 });
    expect(await cli('user', 'disable', '--user', userId)).toMatchObject({
      code: 2,
      stderr: `user '${userId}' is disabled already\n`,
    });
    const tokens = await cli('token', 'list', '--user', userId);
    expect(tokens.stdout).toMatch(/ revoked /);
    expect(await cli('user', 'disable', '--user', 'nope')).toMatchObject({
      code: 2,
      stderr: "--user 'nope' is not a user id (a uuid)\n",
    });
    expect(await cli('user', 'list', '--org', 'no-such-unit')).toMatchObject({
      code: 2,
      stderr: "unknown org unit 'no-such-unit' (see: cli org list)\n",
    });
    expect((await cli('token', 'revoke')).code).toBe(2);
    expect(
      await cli('token', 'revoke', '--token', '00000000-0000-4000-8000-000000000000'),
    ).toMatchObject({
      code: 2,
      stderr: "no token '00000000-0000-4000-8000-000000000000'\n",
    });
  }, 180_000);

  it('the api refuses NODE_ENV=production while a well-known credential is valid, naming the command; after token revoke --well-known it starts', async () => {
    const refused = startProductionApi(await freePort());
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain('refusing to start with NODE_ENV=production');
    expect(refused.output()).toContain('npm run -s cli -- token revoke --well-known');
    expect(refused.output()).toContain('password of admin');

    const revoked = await cli('token', 'revoke', '--well-known');
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toMatch(
      /^revoked \d+ well-known token\(s\) and \d+ well-known password\(s\)\n$/,
    );
    expect(await accounts.wellKnownCredentials()).toEqual([]);

    const port = await freePort();
    const started = startProductionApi(port);
    try {
      const until = Date.now() + 60_000;
      while (!started.output().includes('listening on port')) {
        if (Date.now() > until) throw new Error(started.output());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const dev = await fetch(`http://127.0.0.1:${port}/api/tasks`, {
        headers: { Authorization: 'Bearer bf_dev_supervisor' },
      });
      expect(dev.status).toBe(401);
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ loginName: 'admin', password: DEV_PASSWORD }),
      });
      expect(login.status).toBe(401);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
  }, 180_000);
});
