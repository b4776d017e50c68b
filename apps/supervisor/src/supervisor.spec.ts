import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { Supervisor } from './supervisor.js';

/** A node process that prints its pid, then idles (or exits with `exitAfterMs`). */
function service(name: string, options: { exitAfterMs?: number; ignoreTerm?: boolean } = {}) {
  const script = [
    `console.log('up ' + process.pid);`,
    options.ignoreTerm
      ? `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));`
      : `process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });`,
    options.exitAfterMs === undefined
      ? `setInterval(() => {}, 1000);`
      : `setTimeout(() => process.exit(3), ${options.exitAfterMs});`,
  ].join('\n');
  return { name, command: process.execPath, args: ['-e', script] };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Supervisor', () => {
  let supervisor: Supervisor | undefined;
  const lines: string[] = [];

  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
    lines.length = 0;
  });

  const supervise = (services: ReturnType<typeof service>[], stopTimeoutMs = 5_000) => {
    supervisor = new Supervisor({
      services,
      restartDelayMs: 50,
      maxRestartDelayMs: 200,
      stopTimeoutMs,
      write: (line) => lines.push(line),
    });
    supervisor.start();
    return supervisor;
  };

  it('given api and worker, when the api is killed with SIGKILL, then only the api starts again', async () => {
    const s = supervise([service('api'), service('worker')]);
    await until(() => lines.filter((l) => l.includes(' up ')).length === 2, 'both up');
    const { api, worker } = s.pids() as { api: number; worker: number };

    process.kill(api, 'SIGKILL');

    await until(() => s.restarts().api === 1 && s.pids().api !== null, 'the api again');
    await until(() => lines.filter((l) => l.startsWith('[api] up')).length === 2, 'api up');
    expect(s.pids().worker).toBe(worker);
    expect(alive(worker)).toBe(true);
    expect(s.restarts()).toEqual({ api: 1, worker: 0 });
    expect(lines).toContainEqual(expect.stringMatching(/^\[supervisor\] api exited by SIGKILL/));
  });

  it('given a worker that crashes, when it exits non-zero, then it starts again and the api goes on', async () => {
    const s = supervise([service('api'), service('worker', { exitAfterMs: 100 })]);
    await until(() => s.restarts().worker >= 2, 'two restarts of the worker');
    const api = s.pids().api;
    expect(api).not.toBeNull();
    expect(alive(api!)).toBe(true);
    expect(s.restarts().api).toBe(0);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[supervisor\] worker exited with code 3 .*starting it again/),
    );
  });

  it('given a process that keeps failing fast, then the delays between starts double up to the maximum', async () => {
    const s = supervise([service('worker', { exitAfterMs: 0 })]);
    await until(() => s.restarts().worker >= 4, 'four restarts');
    const delays = lines
      .map((line) => /starting it again in (\d+) ms/.exec(line)?.[1])
      .filter((d): d is string => d !== undefined)
      .map(Number);
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 200]);
  });

  it('when stopped, then every process gets SIGTERM, none is started again, and stop resolves once all exited', async () => {
    const s = supervise([service('api'), service('worker')]);
    await until(() => lines.filter((l) => l.includes(' up ')).length === 2, 'both up');
    const pids = Object.values(s.pids()) as number[];

    await s.stop();

    expect(pids.map(alive)).toEqual([false, false]);
    expect(lines.filter((l) => l.endsWith('bye'))).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(s.restarts()).toEqual({ api: 0, worker: 0 });
  });

  it('given a process that ignores SIGTERM, when stopped, then it gets SIGKILL after the timeout', async () => {
    const s = supervise([service('api', { ignoreTerm: true })], 300);
    await until(() => lines.some((l) => l.startsWith('[api] up')), 'api up');
    const pid = s.pids().api!;

    await s.stop();

    expect(alive(pid)).toBe(false);
    expect(lines).toContainEqual('[api] ignoring SIGTERM');
    expect(lines).toContainEqual(expect.stringContaining('sending SIGKILL'));
  });
});

describe('supervisor main', () => {
  it('given a bad variable, then it stops at once naming it and starts nothing', async () => {
    const child = spawn(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/supervisor/src/main.ts'],
      { env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('PORT="eighty": PORT must be a whole number');
    expect(output).not.toContain('[api]');
  }, 30_000);
});
