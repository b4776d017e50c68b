/**
 * AuthThrottle against a real Redis: the count is shared by two throttles (two api processes)
 * through one key, and it goes on in Redis when Redis has forgotten the counting script (a
 * restart or a SCRIPT FLUSH: the throttle sends the script by its SHA1), without falling back
 * to the process.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { redisOptions } from '@app/runtime';
import { Redis } from 'ioredis';
import { AuthThrottle } from '../../apps/api/src/platform/auth-throttle.js';
import { freePort, waitFor } from '../support/processes.js';
import { deletePrefixKeys } from '../support/redis-keys.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('AuthThrottle (real Redis)', () => {
  const prefix = `throttle-spec-${process.pid}-${Date.now().toString(36)}`;
  const warnings: string[] = [];
  const opened: AuthThrottle[] = [];
  let admin: Redis;
  let probes = 0;
  /**
   * A throttle whose Redis connection is up: it connects in the background and counts in the
   * process until then, so probe addresses are counted until one reaches Redis.
   */
  const throttle = async (
    limit: number,
    url = REDIS_URL,
    redis: Redis = admin,
  ): Promise<AuthThrottle> => {
    const made = new AuthThrottle({
      limit,
      windowMs: 60_000,
      lockoutMs: 300_000,
      prefix,
      redis: redisOptions(url),
      warn: (message) => warnings.push(message),
    });
    opened.push(made);
    await waitFor(
      'the throttle to count in Redis',
      async () => {
        const probe = `probe-${(probes += 1)}`;
        await made.failed(probe);
        return (await redis.exists(`${prefix}:auth-failures:${probe}`)) === 1;
      },
      2_000,
      20,
    );
    warnings.length = 0;
    return made;
  };

  beforeAll(() => {
    admin = new Redis(REDIS_URL, { lazyConnect: false });
  });

  afterAll(async () => {
    for (const one of opened) one.close();
    await deletePrefixKeys(REDIS_URL, prefix);
    admin.disconnect();
  });

  it('given two throttles on one Redis, when an address fails over the limit across both, then the one that sees it over locks it out', async () => {
    const [a, b] = [await throttle(3), await throttle(3)];
    expect(await a.failed('192.0.2.1')).toBeNull();
    expect(await b.failed('192.0.2.1')).toBeNull();
    expect(await a.failed('192.0.2.1')).toBeNull();
    const seconds = await b.failed('192.0.2.1');
    expect(seconds).toBeGreaterThan(290);
    expect(seconds).toBeLessThanOrEqual(300);
    expect(b.retryAfter('192.0.2.1')).toBe(seconds);
    // a learns at its own next failure from that address
    expect(a.retryAfter('192.0.2.1')).toBeNull();
    expect(await a.failed('192.0.2.1')).toBeGreaterThan(290);
    expect(await admin.get(`${prefix}:auth-failures:192.0.2.1`)).toBe('5');
    expect(await admin.pttl(`${prefix}:auth-failures:192.0.2.1`)).toBeGreaterThan(290_000);
    expect(warnings).toEqual([]);
  });

  it('given Redis has forgotten the script, when the next failure is counted, then it is counted in Redis still', async () => {
    // SCRIPT FLUSH empties the whole server's script cache: on a redis-server of its own, so
    // that no other suite's scripts go with it
    const port = await freePort();
    const server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    const own = new Redis(url, { lazyConnect: true, retryStrategy: () => 200 });
    own.on('error', () => undefined);
    try {
      await waitFor(
        'the redis-server of this test',
        async () => (await own.ping().catch(() => '')) === 'PONG',
        10_000,
      );
      const one = await throttle(10, url, own);
      expect(await one.failed('192.0.2.2')).toBeNull();
      await own.script('FLUSH');
      expect(await one.failed('192.0.2.2')).toBeNull();
      expect(await own.get(`${prefix}:auth-failures:192.0.2.2`)).toBe('2');
      expect(warnings).toEqual([]);
    } finally {
      own.disconnect();
      server.kill('SIGKILL');
    }
  });
});
