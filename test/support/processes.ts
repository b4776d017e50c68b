import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** One of the product's processes (api or worker), started as `npm run start:*` would. */
export class AppProcess {
  private child: ChildProcess | null = null;
  readonly output: string[] = [];

  constructor(
    readonly name: 'api' | 'worker',
    private readonly env: Record<string, string>,
    /** Node's own options before the entry (a bench's `--cpu-prof`, say). */
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  start(): void {
    const child = spawn(
      process.execPath,
      [
        ...this.nodeArgs,
        '--import',
        '@swc-node/register/esm-register',
        `apps/${this.name}/src/main.ts`,
      ],
      { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
  }

  /** The process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** kill -9: no shutdown hooks, no goodbye. */
  kill9(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  /** SIGTERM and wait for the exit (graceful shutdown). */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  tail(lines = 40): string {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
