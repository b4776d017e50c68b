import { isRedisCluster } from '@app/queue';
import { describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { closeRedisConnection, redisClient, redisConnection } from './redis.js';

describe('redisConnection', () => {
  it('given no cluster nodes, when made, then it is the options of REDIS_URL, as BullMQ workers need them', () => {
    const connection = redisConnection({
      REDIS_URL: 'rediss://user:p%40ss@redis.example:6380/4',
      REDIS_CLUSTER_NODES: '',
    });
    expect(isRedisCluster(connection)).toBe(false);
    expect(connection).toEqual({
      host: 'redis.example',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 4,
      tls: {},
      maxRetriesPerRequest: null,
    });
  });

  it('given cluster nodes, when made, then it is one Cluster client seeded with every node and the first one’s credentials; raw clients duplicate it with their own options', async () => {
    const connection = redisConnection({
      REDIS_URL: 'redis://ignored:6379/3',
      REDIS_CLUSTER_NODES: 'redis://:secret@127.0.0.1:1,redis://127.0.0.1:2/',
    });
    if (!isRedisCluster(connection)) throw new Error('expected a Cluster');
    connection.on('error', () => undefined);
    const client = redisClient(connection, {
      connectionName: 'probe',
      connectTimeout: 100,
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    try {
      expect(connection.options.redisOptions).toEqual(
        expect.objectContaining({ password: 'secret', maxRetriesPerRequest: null }),
      );
      expect(connection.options.redisOptions).not.toHaveProperty('db');
      expect(client).toBeInstanceOf(Cluster);
      const options = (client as Cluster).options;
      expect(options.redisOptions).toEqual(
        expect.objectContaining({
          password: 'secret',
          connectionName: 'probe',
          connectTimeout: 100,
        }),
      );
      expect([options.enableOfflineQueue, options.lazyConnect]).toEqual([false, true]);
      expect(options.clusterRetryStrategy?.(1)).toBeNull();
    } finally {
      client.disconnect();
      await closeRedisConnection(connection);
    }
  });

  it('given one Redis, when a raw client is made, then it is a Redis with the shared options and its own', () => {
    const connection = redisConnection({
      REDIS_URL: 'redis://127.0.0.1:1/2',
      REDIS_CLUSTER_NODES: '',
    });
    const client = redisClient(connection, { connectionName: 'probe', lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Redis);
      expect((client as Redis).options).toEqual(
        expect.objectContaining({ port: 1, db: 2, connectionName: 'probe', lazyConnect: true }),
      );
    } finally {
      client.disconnect();
    }
  });
});
