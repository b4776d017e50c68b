import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '../../support/processes.js';

const run = promisify(execFile);

/** Node pids of every cluster this test process started and has not stopped yet. */
const running = new Set<number>();
// Jest killed, or the process ended without afterAll: take the nodes down with it.
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

/**
 * A Redis Cluster of `masters` masters and no replicas, started from the `redis-server` and
 * `redis-cli` on this machine: each node on a free port of 127.0.0.1 (and a free cluster bus
 * port), with its config, pid and log files in a temporary folder, nothing persisted. `stop()`
 * shuts the nodes down and removes the folder; `startRedisCluster` does that itself when it
 * fails half-way.
 */
export class RedisCluster {
  private readonly pids = new Map<number, number>();

  private constructor(
    readonly ports: readonly number[],
    private readonly busPorts: readonly number[],
    readonly dir: string,
  ) {}

  /** redis:// URLs of the nodes, for REDIS_CLUSTER_NODES. */
  get urls(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  static async start(masters = 3): Promise<RedisCluster> {
    await requireCommand('redis-server', ['--version']);
    await requireCommand('redis-cli', ['--version']);
    const taken = new Set<number>();
    const port = async () => {
      for (;;) {
        const candidate = await freePort();
        if (!taken.has(candidate)) {
          taken.add(candidate);
          return candidate;
        }
      }
    };
    const ports: number[] = [];
    const busPorts: number[] = [];
    for (let i = 0; i < masters; i++) {
      ports.push(await port());
      busPorts.push(await port());
    }
    const cluster = new RedisCluster(ports, busPorts, mkdtempSync(join(tmpdir(), 'bf-cluster-')));
    try {
      await cluster.startNodes();
      await cluster.create();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** FLUSHALL on every master: the cluster loses every key, as a flushed single Redis would. */
  async flushAll(): Promise<void> {
    await Promise.all(this.ports.map((port) => this.onNode(port, (redis) => redis.flushall())));
  }

  /** Keys matching `pattern` on each node, by port (SCAN: each node answers for its own slots). */
  async keysByNode(pattern: string): Promise<Map<number, string[]>> {
    const keys = new Map<number, string[]>();
    for (const port of this.ports) keys.set(port, await this.keysOn(port, pattern));
    return keys;
  }

  /** The string values of the keys matching `pattern`, on every node. */
  async values(pattern: string): Promise<(string | null)[]> {
    const values: (string | null)[] = [];
    for (const port of this.ports) {
      const keys = await this.keysOn(port, pattern);
      if (keys.length > 0) values.push(...(await this.onNode(port, (redis) => redis.mget(keys))));
    }
    return values;
  }

  private keysOn(port: number, pattern: string): Promise<string[]> {
    return this.onNode(port, async (redis) => {
      let cursor = '0';
      const found: string[] = [];
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        found.push(...keys);
      } while (cursor !== '0');
      return found;
    });
  }

  /** The port of the master that holds `key`'s hash slot. */
  async ownerOf(key: string): Promise<number> {
    const first = this.ports[0];
    if (first === undefined) throw new Error('no nodes');
    const slot = await this.onNode(first, (redis) => redis.cluster('KEYSLOT', key));
    const shards = await this.onNode(first, (redis) => redis.cluster('SLOTS'));
    const owner = shards.find(([from, to]) => slot >= from && slot <= to)?.[2];
    if (!owner) throw new Error(`no node holds slot ${slot}`);
    return owner[1];
  }

  /** Shuts every node down (SHUTDOWN NOSAVE, then SIGKILL) and removes the folder. */
  async stop(): Promise<void> {
    for (const port of this.ports) {
      const pid = this.pid(port);
      if (pid === null) continue;
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { timeout: 3000 }).catch(
        () => undefined,
      );
      await waitFor('the node to exit', () => Promise.resolve(!alive(pid)), 3000, 50).catch(() => {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      });
      running.delete(pid);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async startNodes(): Promise<void> {
    for (const [i, port] of this.ports.entries()) {
      await run(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(this.dir, `nodes-${port}.conf`),
          '--cluster-port',
          String(this.busPorts[i]),
          '--cluster-node-timeout',
          '5000',
          '--bind',
          '127.0.0.1',
          '--dir',
          this.dir,
          '--daemonize',
          'yes',
          '--pidfile',
          join(this.dir, `redis-${port}.pid`),
          '--logfile',
          join(this.dir, `redis-${port}.log`),
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { timeout: 10_000 },
      );
      await waitFor(
        'the node to write its pid file',
        () => Promise.resolve(this.pid(port) !== null),
        5000,
        50,
      );
      running.add(this.pid(port) as number);
    }
    for (const port of this.ports) {
      await waitFor(
        `redis-server on port ${port} to answer`,
        async () => (await this.onNode(port, (redis) => redis.ping())) === 'PONG',
        10_000,
        100,
      );
    }
  }

  private async create(): Promise<void> {
    try {
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...this.ports.map((port) => `127.0.0.1:${port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(
        `redis-cli --cluster create failed (is redis-cli --cluster available?): ${(error as Error).message}\n${stdout}\n${stderr}`,
      );
    }
    for (const port of this.ports) {
      await waitFor(
        `the cluster to be ok on port ${port}`,
        async () => {
          const info = await this.onNode(port, (redis) => redis.cluster('INFO'));
          return /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info);
        },
        20_000,
        100,
      );
    }
  }

  private pid(port: number): number | null {
    const known = this.pids.get(port);
    if (known !== undefined) return known;
    const file = join(this.dir, `redis-${port}.pid`);
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    this.pids.set(port, pid);
    return pid;
  }

  private async onNode<T>(port: number, action: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await action(redis);
    } finally {
      redis.disconnect();
    }
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

async function requireCommand(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { timeout: 5000 });
  } catch (error) {
    throw new Error(
      `this suite starts a Redis Cluster from '${command}' on this machine, which could not be run: ${(error as Error).message}`,
    );
  }
}
