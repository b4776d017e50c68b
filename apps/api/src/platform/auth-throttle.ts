import { redisClient } from '@app/runtime';
import type { ConnectionOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';

export interface AuthThrottleOptions {
  /** Failed authentications an address may make per window before it is locked out. */
  readonly limit: number;
  readonly windowMs: number;
  /** How long an address over the limit is refused. */
  readonly lockoutMs: number;
  /**
   * Redis key prefix (the deployment's BullMQ prefix), shared by every api process. The count
   * script touches one key, so on a Redis Cluster each address's counter may sit in any slot.
   */
  readonly prefix: string;
  /** Redis to count in; null: count in this process only. */
  readonly redis: ConnectionOptions | null;
  /** Wall-clock milliseconds (lockouts follow Redis's expiry, which is real time). */
  readonly now?: () => number;
  /** Told once per outage that the counters fell back to this process. */
  readonly warn?: (message: string) => void;
}

/** Addresses (locked or counted) one process keeps at most; beyond, the oldest are dropped. */
const MAX_ADDRESSES = 100_000;
/** A Redis that does not answer within this is treated as down for this request. */
const REDIS_TIMEOUT_MS = 250;

/**
 * Counts, INCR then (first) PEXPIRE of a fixed window; the failure that goes over the limit
 * stretches the key's life to the lockout. Answers the count and the key's remaining life.
 */
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n == tonumber(ARGV[2]) + 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/** The client with COUNT_SCRIPT defined on it (ioredis sends it by its SHA1, EVALSHA). */
type CountingClient = (Redis | Cluster) & {
  countAuthFailure(
    key: string,
    windowMs: number,
    limit: number,
    lockoutMs: number,
  ): Promise<[number, number]>;
};

/**
 * Defines COUNT_SCRIPT on the client, once: each count then sends the script's SHA1, not the
 * script (ioredis loads it again by itself when the server answers NOSCRIPT, after a restart or
 * a SCRIPT FLUSH).
 */
function withCount(client: Redis | Cluster): CountingClient {
  client.defineCommand('countAuthFailure', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  return client as CountingClient;
}

/**
 * Failed-authentication throttle per client address. `retryAfter` is answered from this
 * process's memory (no I/O, so a locked-out flood costs neither Redis nor PostgreSQL);
 * `failed` counts a failure in Redis, shared by every api process (key
 * `<prefix>:auth-failures:<address>`), or in this process while Redis is down, and locks the
 * address here once it is over the limit. Another api process learns of the lockout at its
 * own next failure from that address.
 */
export class AuthThrottle {
  /** Address → when its lockout ends (ms). */
  private readonly locked = new Map<string, number>();
  /** Address → failures in its window, when counted here (Redis down). */
  private readonly counts = new Map<string, { count: number; until: number }>();
  private readonly redis: CountingClient | null;
  private readonly now: () => number;
  private redisDown = false;

  constructor(private readonly options: AuthThrottleOptions) {
    this.now = options.now ?? Date.now;
    this.redis =
      options.redis === null
        ? null
        : withCount(
            redisClient(options.redis, {
              connectionName: 'branchflow-api-auth-throttle',
              lazyConnect: true,
              // fail at once while disconnected (the count falls back to this process)
              enableOfflineQueue: false,
              maxRetriesPerRequest: 0,
              connectTimeout: 1000,
              disconnectTimeout: 200,
              retryStrategy: (times) => Math.min(times * 250, 2000),
            }),
          );
    this.redis?.on('error', () => undefined);
    this.redis?.connect().catch(() => undefined);
  }

  /** Seconds until the address may try again, or null when it is not locked out. */
  retryAfter(address: string): number | null {
    const until = this.locked.get(address);
    if (until === undefined) return null;
    const left = until - this.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.locked.delete(address);
    return null;
  }

  /**
   * Counts one failed authentication; answers the seconds the address is now locked out for
   * when this failure went over the limit (or it was locked by another process), else null.
   */
  async failed(address: string): Promise<number | null> {
    const counted = (await this.countInRedis(address)) ?? this.countHere(address);
    if (counted.count <= this.options.limit) return null;
    const leftMs = counted.ttlMs > 0 ? counted.ttlMs : this.options.lockoutMs;
    bounded(this.locked);
    this.locked.set(address, this.now() + leftMs);
    return Math.ceil(leftMs / 1000);
  }

  close(): void {
    this.redis?.disconnect();
  }

  private async countInRedis(address: string): Promise<{ count: number; ttlMs: number } | null> {
    if (this.redis === null) return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.countAuthFailure(
          `${this.options.prefix}:auth-failures:${address}`,
          this.options.windowMs,
          this.options.limit,
          this.options.lockoutMs,
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), REDIS_TIMEOUT_MS);
        }),
      ]);
      this.redisDown = false;
      return { count: Number(answer[0]), ttlMs: Number(answer[1]) };
    } catch (error) {
      if (!this.redisDown) {
        this.options.warn?.(
          `failed authentications are counted per process while Redis is unavailable: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      }
      this.redisDown = true;
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private countHere(address: string): { count: number; ttlMs: number } {
    const now = this.now();
    let entry = this.counts.get(address);
    if (entry === undefined || entry.until <= now) {
      bounded(this.counts);
      entry = { count: 0, until: now + this.options.windowMs };
      this.counts.set(address, entry);
    }
    entry.count += 1;
    if (entry.count === this.options.limit + 1) entry.until = now + this.options.lockoutMs;
    return { count: entry.count, ttlMs: entry.until - now };
  }
}

/** Keeps a map under MAX_ADDRESSES by dropping its oldest entries (insertion order). */
function bounded(map: Map<string, unknown>): void {
  if (map.size < MAX_ADDRESSES) return;
  let drop = map.size - MAX_ADDRESSES + 1 + Math.floor(MAX_ADDRESSES / 10);
  for (const key of map.keys()) {
    if (drop-- <= 0) break;
    map.delete(key);
  }
}
