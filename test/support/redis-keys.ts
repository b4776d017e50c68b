import { Redis, type RedisOptions } from 'ioredis';

/**
 * Deletes a suite's BullMQ keys (`<prefix>:*`) on one Redis (its URL, or its connection
 * options); answers how many went. It does not wait for a Redis that is down: it fails at once.
 */
export async function deletePrefixKeys(
  redisAt: string | RedisOptions,
  prefix: string,
): Promise<number> {
  const options: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    disconnectTimeout: 200,
  };
  const redis =
    typeof redisAt === 'string'
      ? new Redis(redisAt, options)
      : new Redis({ ...redisAt, ...options });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
