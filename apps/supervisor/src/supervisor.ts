import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One long-running process the supervisor keeps alive. */
export interface ServiceSpec {
  /** Short name, used as the prefix of its output lines (`[api] …`). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

export interface SupervisorOptions {
  readonly services: readonly ServiceSpec[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Delay before the first restart; doubled for each failure in a row (default 1 s). */
  readonly restartDelayMs?: number;
  /** The longest delay between restarts (default 30 s). */
  readonly maxRestartDelayMs?: number;
  /** A process that ran this long before dying starts again from the first delay (60 s). */
  readonly stableAfterMs?: number;
  /** After SIGTERM, how long a process may take to stop before it gets SIGKILL (20 s). */
  readonly stopTimeoutMs?: number;
  /** Where the supervisor's and the services' lines go (default: stdout). */
  readonly write?: (line: string) => void;
}

interface Running {
  readonly spec: ServiceSpec;
  child: ChildProcess | null;
  startedAt: number;
  /** Deaths in a row, each before the process had run `stableAfterMs`. */
  failures: number;
  restartTimer: NodeJS.Timeout | null;
  restarts: number;
}

/**
 * Runs the product's processes side by side and keeps each one alive on its own: when one
 * dies (a crash, an out-of-memory exit, kill -9), only that one is started again, after a
 * delay that doubles while it keeps failing quickly (1 s, 2 s, 4 s … 30 s), and the others go
 * on untouched. `stop()` (SIGINT / SIGTERM to the supervisor) sends SIGTERM to every process,
 * SIGKILL to those still running after the stop timeout, and resolves when all have exited.
 *
 * Each service runs in a process group of its own, so a Ctrl-C in the terminal reaches the
 * supervisor alone and the services are stopped in order rather than all at once.
 */
export class Supervisor {
  private readonly services: Running[];
  private stopping: Promise<void> | null = null;
  private readonly write: (line: string) => void;

  constructor(private readonly options: SupervisorOptions) {
    this.services = options.services.map((spec) => ({
      spec,
      child: null,
      startedAt: 0,
      failures: 0,
      restartTimer: null,
      restarts: 0,
    }));
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  start(): void {
    for (const service of this.services) this.launch(service);
  }

  /** How many times each service was started again after dying. */
  restarts(): Record<string, number> {
    return Object.fromEntries(this.services.map((s) => [s.spec.name, s.restarts]));
  }

  /** The process ids of the running services (null while one is down). */
  pids(): Record<string, number | null> {
    return Object.fromEntries(this.services.map((s) => [s.spec.name, s.child?.pid ?? null]));
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** SIGKILL to every running service at once (a second Ctrl-C). */
  kill(): void {
    for (const service of this.services) {
      if (service.restartTimer) clearTimeout(service.restartTimer);
      if (service.child) signalGroup(service.child, 'SIGKILL');
    }
  }

  private launch(service: Running): void {
    service.restartTimer = null;
    const { spec } = service;
    const child = spawn(spec.command, [...spec.args], {
      cwd: this.options.cwd,
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    service.child = child;
    service.startedAt = performance.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.say(spec, line));
    }
    child.on('error', (error) => this.say(spec, `could not start: ${error.message}`, true));
    child.on('exit', (code, signal) => this.exited(service, child, code, signal));
  }

  private exited(
    service: Running,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (service.child !== child) return;
    service.child = null;
    const how = signal === null ? `with code ${code}` : `by ${signal}`;
    if (this.stopping) {
      this.say(service.spec, `stopped (${how})`, true);
      return;
    }
    const ranMs = performance.now() - service.startedAt;
    const stable = this.options.stableAfterMs ?? 60_000;
    service.failures = ranMs >= stable ? 1 : service.failures + 1;
    const first = this.options.restartDelayMs ?? 1_000;
    const delay = Math.min(
      first * 2 ** (service.failures - 1),
      this.options.maxRestartDelayMs ?? 30_000,
    );
    this.say(
      service.spec,
      `exited ${how} after ${Math.round(ranMs / 100) / 10} s; starting it again in ${delay} ms` +
        ` (the other processes go on)`,
      true,
    );
    service.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      service.restarts += 1;
      this.launch(service);
    }, delay);
  }

  private async stopAll(): Promise<void> {
    const timeout = this.options.stopTimeoutMs ?? 20_000;
    await Promise.all(
      this.services.map(async (service) => {
        if (service.restartTimer) clearTimeout(service.restartTimer);
        const child = service.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        signalGroup(child, 'SIGTERM');
        const killer = setTimeout(() => {
          this.say(
            service.spec,
            `still running ${timeout} ms after SIGTERM; sending SIGKILL`,
            true,
          );
          signalGroup(child, 'SIGKILL');
        }, timeout);
        await exited;
        clearTimeout(killer);
      }),
    );
  }

  private say(spec: ServiceSpec, line: string, own = false): void {
    this.write(own ? `[supervisor] ${spec.name} ${line}` : `[${spec.name}] ${line}`);
  }
}

/** Signals the child's process group (it leads one: spawned detached), else the child. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
