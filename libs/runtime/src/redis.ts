import { isRedisCluster } from '@app/queue';
import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { Cluster, Redis } from 'ioredis';

/** ioredis options from a redis:// URL; `maxRetriesPerRequest: null` as BullMQ workers need. */
export function redisOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/** Where Redis is: REDIS_URL, or the seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
export interface RedisSettings {
  readonly REDIS_URL: string;
  /** Comma-separated redis:// URLs of some of the cluster's nodes; empty: no cluster. */
  readonly REDIS_CLUSTER_NODES: string;
}

/**
 * What every BullMQ Queue and Worker of the process connects with, and what raw clients
 * (`redisClient`) are made from. For one Redis: ioredis options, so that each Queue and Worker
 * opens and closes its own connections. For a Redis Cluster: one ioredis `Cluster` client
 * (BullMQ shares it between Queues, duplicates it for each Worker's blocking connection, and
 * never closes it: `closeRedisConnection` does, at shutdown). The cluster's nodes share the
 * first seed URL's user, password and TLS; a cluster has database 0 only.
 */
export function redisConnection(settings: RedisSettings): ConnectionOptions {
  const seeds = settings.REDIS_CLUSTER_NODES.split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (seeds.length === 0) return redisOptions(settings.REDIS_URL);
  const nodes = seeds.map((url) => {
    const { host, port } = redisOptions(url);
    return { host, port };
  });
  const first = redisOptions(seeds[0]);
  return new Cluster(nodes, {
    redisOptions: {
      username: first.username,
      password: first.password,
      tls: seeds[0].startsWith('rediss:') ? {} : undefined,
      maxRetriesPerRequest: null,
    },
    // CLUSTER SLOTS may take longer than ioredis' default 1 s on a loaded node; the retry
    // delays on failover and CLUSTERDOWN are ioredis' defaults (not tested here: docs/scale.md)
    slotsRefreshTimeout: 2000,
  });
}

/** What a raw client of the process (not BullMQ's) overrides of the shared connection. */
export interface RedisClientOptions {
  /** CLIENT SETNAME, so that `CLIENT LIST` says which part of which process holds it. */
  readonly connectionName: string;
  readonly connectTimeout?: number;
  readonly disconnectTimeout?: number;
  readonly maxRetriesPerRequest?: number | null;
  /** false: a command fails at once while disconnected instead of waiting for the connection. */
  readonly enableOfflineQueue?: boolean;
  readonly lazyConnect?: boolean;
  /** Delay before reconnect attempt `times` (of the client, or of the cluster as a whole). */
  readonly retryStrategy?: (times: number) => number | null;
}

/**
 * A new raw client of the same Redis as `connection` (its own connections, closed by the
 * caller): a `Redis` for one Redis, a `Cluster` for a Redis Cluster. On a cluster, keys that one
 * command or script touches together must share a hash tag of their own: BULLMQ_PREFIX has none
 * there (each queue has its own, `queueLocation`). Today's raw uses touch one key each (the
 * health check's PING, the auth throttle's counter script).
 */
export function redisClient(
  connection: ConnectionOptions,
  options: RedisClientOptions,
): Redis | Cluster {
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...perNode } = options;
  if (isRedisCluster(connection)) {
    return connection.duplicate([], {
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(lazyConnect === undefined ? {} : { lazyConnect }),
      ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
      redisOptions: { ...connection.options.redisOptions, ...perNode },
    });
  }
  if (typeof (connection as { duplicate?: unknown }).duplicate === 'function') {
    throw new Error('redisClient: expected ioredis options or a Cluster client');
  }
  return new Redis({ ...(connection as RedisOptions), ...options });
}

/** Closes the shared Cluster client (BullMQ leaves it open); nothing to do for one Redis. */
export async function closeRedisConnection(connection: ConnectionOptions): Promise<void> {
  if (!isRedisCluster(connection)) return;
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
