/**
 * CPU: who used the two cores during a phase of the runtime bench (Linux /proc; null
 * elsewhere).
 *
 * The sampling reads /proc with synchronous calls (one per process, every 0.5 s) in a worker
 * thread of its own: in the load generator's event loop those reads held up the clients'
 * requests every half second, and the latencies the bench reports would have carried that
 * pause.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export type CpuLabel =
  'api' | 'worker' | 'client' | 'pgbench' | 'postgres' | 'postgresOtherDbs' | 'redis' | 'other';

/**
 * Cores busy on average over a phase (1.0 = one core fully busy): the machine as a whole
 * (/proc/stat, without the time the hypervisor stole, shown apart) and per kind of process
 * (/proc/<pid>/stat). `other` is the rest of the machine; `otherTop` names its biggest users.
 */
export type CpuSplit = Record<CpuLabel, number> & {
  readonly machine: number;
  readonly steal: number;
  readonly cores: number;
  readonly otherTop: readonly { readonly name: string; readonly cores: number }[];
};

type Request =
  | { readonly type: 'start' }
  | { readonly type: 'stop'; readonly known: readonly (readonly [number, CpuLabel])[] };

interface Options {
  /** The bench's own process (its client). */
  readonly benchPid: number;
  /** Databases whose backends count as PostgreSQL serving the bench. */
  readonly ownDatabases: readonly string[];
}

/**
 * The bench's handle on the sampling thread. `start` begins a phase; `stop` ends it and
 * answers the split, with the processes the bench started labelled by `known` as it is then.
 */
export class CpuSampler {
  private readonly worker: Worker | null;
  private answer: ((split: CpuSplit | null) => void) | null = null;

  constructor(
    private readonly known: () => ReadonlyMap<number, CpuLabel>,
    ownDatabases: readonly string[],
  ) {
    if (process.platform !== 'linux') {
      this.worker = null;
      return;
    }
    const options: Options = { benchPid: process.pid, ownDatabases };
    this.worker = new Worker(new URL(import.meta.url), { workerData: options });
    this.worker.unref();
    this.worker.on('message', (split: CpuSplit | null) => this.settle(split));
    this.worker.on('error', () => this.settle(null));
  }

  start(): void {
    this.worker?.postMessage({ type: 'start' } satisfies Request);
  }

  stop(): Promise<CpuSplit | null> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(null);
    // Held while the answer is awaited: the bench may have nothing else keeping it alive
    worker.ref();
    return new Promise((resolve) => {
      this.answer = resolve;
      worker.postMessage({ type: 'stop', known: [...this.known()] } satisfies Request);
    });
  }

  private settle(split: CpuSplit | null): void {
    this.worker?.unref();
    const answer = this.answer;
    this.answer = null;
    answer?.(split);
  }
}

/** One line: the cores busy in all, and who used them. */
export function cpuLine(cpu: CpuSplit | null): string {
  if (!cpu) return '    CPU: n/a (no /proc)';
  const parts: [string, number][] = [
    ['postgres', cpu.postgres],
    ['api', cpu.api],
    ['worker', cpu.worker],
    ['redis', cpu.redis],
    ['bench client', cpu.client],
    ['pgbench', cpu.pgbench],
    ['postgres for other dbs', cpu.postgresOtherDbs],
    ['other', cpu.other],
  ];
  const others = cpu.otherTop.map((p) => `${p.name} ${p.cores.toFixed(2)}`).join(', ');
  return (
    `    CPU, cores busy of ${cpu.cores}: ${cpu.machine.toFixed(2)} = ` +
    parts
      .filter(([, value]) => value >= 0.005)
      .map(([name, value]) => `${name} ${value.toFixed(2)}`)
      .join(', ') +
    (others ? ` (${others})` : '') +
    (cpu.steal >= 0.01 ? `; stolen by the hypervisor ${cpu.steal.toFixed(2)}` : '')
  );
}

/** The sampling itself, in the worker thread. */
class ProcSampler {
  private static readonly HZ = 100;
  private first = new Map<number, number>();
  private last = new Map<number, number>();
  /** What each process is, read when it was first seen. */
  private readonly seen = new Map<number, { label: CpuLabel | null; name: string }>();
  private machineFirst = machineTicks();
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: Options) {}

  start(): void {
    this.first = new Map();
    this.last = new Map();
    this.startedAt = performance.now();
    this.machineFirst = machineTicks();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 500);
  }

  stop(known: ReadonlyMap<number, CpuLabel>): CpuSplit | null {
    if (this.timer === null) return null;
    clearInterval(this.timer);
    this.timer = null;
    this.sample(false);
    const machineLast = machineTicks();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cores = (ticks: number) => ticks / ProcSampler.HZ / seconds;
    const split: Record<CpuLabel, number> = {
      api: 0,
      worker: 0,
      client: 0,
      pgbench: 0,
      postgres: 0,
      postgresOtherDbs: 0,
      redis: 0,
      other: 0,
    };
    const others = new Map<string, number>();
    for (const [pid, ticks] of this.last) {
      const used = cores(ticks - (this.first.get(pid) ?? 0));
      const { label, name } = this.seen.get(pid) ?? { label: null, name: '?' };
      const labelled = known.get(pid) ?? label;
      if (labelled) split[labelled] += used;
      else others.set(name, (others.get(name) ?? 0) + used);
    }
    const machine = cores(machineLast.busy - this.machineFirst.busy);
    const accounted = Object.values(split).reduce((a, b) => a + b, 0);
    split.other = Math.max(0, machine - accounted);
    return {
      ...split,
      machine,
      steal: cores(machineLast.steal - this.machineFirst.steal),
      cores: os.cpus().length,
      otherTop: [...others]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .filter(([, used]) => used >= 0.05)
        .map(([name, used]) => ({ name, cores: used })),
    };
  }

  private sample(initial: boolean): void {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    } catch {
      return;
    }
    for (const name of pids) {
      const pid = Number(name);
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone
      }
      if (!this.seen.has(pid)) this.seen.set(pid, this.classify(pid, stat));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, all threads
      if (initial) this.first.set(pid, ticks);
      this.last.set(pid, ticks);
    }
  }

  private classify(pid: number, stat: string): { label: CpuLabel | null; name: string } {
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const of = (label: CpuLabel | null) => ({ label, name: comm });
    if (pid === this.options.benchPid) return of('client');
    if (comm === 'redis-server') return of('redis');
    if (comm === 'pgbench') return of('pgbench');
    let args: string[] = [];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      // gone, or not ours to read
    }
    if (comm === 'postgres') {
      // A client backend's title names its database ("postgres: 15/main: user db
      // 127.0.0.1(port) state"); background processes (walwriter, checkpointer, autovacuum
      // workers, ...) count as PostgreSQL serving the bench.
      const backend = /^postgres: [^:]+: \S+ (\S+) (\S+\(\d+\)|\[local\]) /.exec(args.join(' '));
      if (!backend || this.options.ownDatabases.includes(backend[1])) return of('postgres');
      return of('postgresOtherDbs');
    }
    // Someone else's process: named by its command and script (node jest.js, node main.ts).
    const script = args.slice(1).find((arg) => /\.(c|m)?(j|t)s$/.test(arg));
    return { label: null, name: script ? `${comm} ${script.split('/').pop()}` : comm };
  }
}

/** Busy (user, nice, system, irq, softirq) and stolen ticks of the whole machine. */
function machineTicks(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is in user)
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { busy: user + nice + system + irq + softirq, steal: steal ?? 0 };
  } catch {
    return { busy: 0, steal: 0 };
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const sampler = new ProcSampler(workerData as Options);
  port.on('message', (request: Request) => {
    if (request.type === 'start') sampler.start();
    else port.postMessage(sampler.stop(new Map(request.known)));
  });
}
