import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDataSource } from '../support/database.js';
import { committeeUser } from '../support/org.js';
import { freePort } from '../support/processes.js';
import { fixtures } from './fixtures.js';

/** Runs `apps/api/src/main.ts` as `npm run start:api` does. */
function startMain(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/api/src/main.ts'],
    { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitFor(condition: () => boolean, what: () => string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting; output so far:\n${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('api: main.ts', () => {
  let dir: string;
  const key = `boot-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'branchflow-main-'));
    await writeFile(join(dir, 'good.bpmn'), fixtures.sequence(key, ['A']));
    await writeFile(join(dir, 'broken.bpmn'), fixtures.invalid(`${key}-broken`));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops with exit code 1 and names the bad variable', async () => {
    const main = startMain({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    const { code } = await main.exited;
    expect(code).toBe(1);
    expect(main.output()).toContain('PORT="eighty": PORT must be a whole number');
    expect(main.output()).toContain(
      'DATABASE_URL="mysql://nope": DATABASE_URL must be a postgres:// URL',
    );
  });

  it('deploys the templates folder (logging refused files), serves /api and shuts down on SIGTERM', async () => {
    const port = await freePort();
    const main = startMain({
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? '',
      PORT: String(port),
      TEMPLATES_DIR: dir,
      BULLMQ_PREFIX: `api-main-${process.pid}-${Date.now()}`,
    });
    try {
      await waitFor(() => main.output().includes('listening on port'), main.output);
      expect(main.output()).toContain(
        `template refused: ${join(dir, 'broken.bpmn')}: f1 (bpmn:SequenceFlow)`,
      );
      expect(main.output()).toContain(`template ${key} v1 from good.bpmn deployed`);
      const anonymous = await fetch(`http://127.0.0.1:${port}/api/templates/${key}`);
      expect(anonymous.status).toBe(401);
      const template = await fetch(`http://127.0.0.1:${port}/api/templates/${key}`, {
        headers: { Authorization: `Bearer ${await integratorToken()}` },
      });
      expect(template.status).toBe(200);
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      main.child.kill('SIGTERM');
    }
    const exit = await main.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(main.output()).toContain('closed database and queue connections');
  });
});

/** A token of a fresh integrator in this run's database (the process under test reads it). */
async function integratorToken(): Promise<string> {
  const dataSource = await testDataSource(1);
  try {
    return (await committeeUser(dataSource, `main-${process.pid}`, ['integrator'])).token;
  } finally {
    await dataSource.destroy();
  }
}
