import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

/**
 * Issue 13, finding 6: 1,000 guessed tokens from 8 clients got 1,000 × 401, no 429, and wrote
 * one `access.refused` row each, with the whole URL. Failed authentication is throttled per
 * address (429 with Retry-After, before any database work); refusals are stored with bounded
 * fields and aggregated per source.
 */
describe('security: throttled failed authentication, bounded refusal records', () => {
  const LIMIT = 20;
  const FLUSH_SECONDS = 2;
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({
      env: {
        // the test's clients are told apart by X-Forwarded-For, as behind a proxy
        TRUST_PROXY: 'true',
        AUTH_FAILURES_PER_MINUTE: String(LIMIT),
        AUTH_LOCKOUT_SECONDS: '300',
        REFUSAL_FLUSH_SECONDS: String(FLUSH_SECONDS),
      },
    });
  });

  afterAll(async () => {
    await api.close();
  });

  interface Refusal {
    actor: string;
    data: Record<string, unknown>;
  }

  /** The refusals recorded for addresses starting with `prefix`. */
  const refusals = (prefix: string): Promise<Refusal[]> =>
    api.dataSource.query<Refusal[]>(
      `SELECT actor, data FROM audit_events
        WHERE stream = 'system' AND type = 'access.refused' AND data->>'address' LIKE $1
        ORDER BY seq`,
      [`${prefix}%`],
    );

  /** Refusals a set of records stands for (a summary counts `count`, any other one). */
  const represented = (rows: readonly Refusal[]) =>
    rows.reduce((sum, row) => sum + (typeof row.data.count === 'number' ? row.data.count : 1), 0);

  const until = async (check: () => Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('1,000 guessed tokens from 8 addresses: 20 × 401 each, then 429 with Retry-After; few rows; real users unaffected', async () => {
    const addresses = Array.from({ length: 8 }, (_, i) => `198.51.100.${i + 1}`);
    const statuses = new Map<string, number[]>(addresses.map((address) => [address, []]));
    const retryAfter: number[] = [];
    const userStatuses: number[] = [];
    const guess = async (address: string) => {
      const response = await api.anonymous
        .get('/api/tasks')
        .set('X-Forwarded-For', address)
        .set('Authorization', `Bearer bf_${randomBytes(12).toString('hex')}`);
      statuses.get(address)!.push(response.status);
      if (response.status === 429) {
        expectError(response, 429);
        retryAfter.push(Number(response.headers['retry-after']));
      }
    };
    // 8 clients, 125 guesses each, 40 requests in flight; a real user from elsewhere meanwhile
    const jobs = Array.from({ length: 1000 }, (_, i) => addresses[i % 8]);
    const started = Date.now();
    const user = (async () => {
      while (jobs.length > 0) {
        const response = await api.http.get('/api/tasks').set('X-Forwarded-For', '192.0.2.77');
        userStatuses.push(response.status);
      }
    })();
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        for (let address = jobs.shift(); address !== undefined; address = jobs.shift()) {
          await guess(address);
        }
      }),
    );
    await user;
    const seconds = (Date.now() - started) / 1000;

    for (const address of addresses) {
      const seen = statuses.get(address)!;
      expect(seen).toHaveLength(125);
      expect(seen.filter((status) => status === 401)).toHaveLength(LIMIT);
      expect(seen.filter((status) => status === 429)).toHaveLength(125 - LIMIT);
    }
    expect(retryAfter.every((seconds) => seconds > 0 && seconds <= 300)).toBe(true);
    expect(userStatuses.length).toBeGreaterThan(0);
    expect(new Set(userStatuses)).toEqual(new Set([200]));

    // Every refusal is accounted for, in a few rows: per source (8 addresses × 401 / 429) the
    // first one, then at most one summary per flush
    await until(async () => represented(await refusals('198.51.100.')) === 1000);
    const rows = await refusals('198.51.100.');
    expect(rows.length).toBeLessThanOrEqual(16 * (2 + Math.ceil(seconds / FLUSH_SECONDS)));
    expect(rows.length).toBeLessThan(250);
    expect(new Set(rows.map((row) => row.data.status))).toEqual(new Set([401, 429]));
    const summary = rows.find((row) => typeof row.data.count === 'number');
    expect(summary?.data).toEqual(
      expect.objectContaining({
        method: 'GET',
        path: '/api/tasks',
        route: '/api/tasks',
        count: expect.any(Number),
        firstAt: expect.any(String),
        lastAt: expect.any(String),
      }),
    );
  });

  it('past the limit an address is refused, even with a valid token, and its attempts are only counted', async () => {
    const address = '198.51.100.200';
    for (let i = 0; i < LIMIT; i++) {
      const response = await api.anonymous
        .get('/api/tasks')
        .set('X-Forwarded-For', address)
        .set('Authorization', 'Bearer wrong');
      expect(response.status).toBe(401);
    }
    const over = await api.anonymous.get('/api/tasks').set('X-Forwarded-For', address);
    expectError(over, 429);
    const locked = await api.http.get('/api/tasks').set('X-Forwarded-For', address);
    expectError(locked, 429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/^此地址认证失败次数过多，请 \d+ 秒后再试$/),
    });
    await until(async () => represented(await refusals(address)) === LIMIT + 2);
    // 100 more: counted in memory, summed into one more row at the next flush
    const before = (await refusals(address)).length;
    for (let i = 0; i < 100; i++) {
      expect((await api.anonymous.get('/api/tasks').set('X-Forwarded-For', address)).status).toBe(
        429,
      );
    }
    await until(async () => represented(await refusals(address)) === LIMIT + 102);
    expect((await refusals(address)).length - before).toBeLessThanOrEqual(2);
  });

  it('stores a 15 KB query string, a long user agent and the path cut to a few hundred characters', async () => {
    const address = '198.51.100.201';
    const response = await api.anonymous
      .get(`/api/tasks?q=${'x'.repeat(15_000)}`)
      .set('X-Forwarded-For', address)
      .set('User-Agent', `agent-${'y'.repeat(600)}`);
    expectError(response, 401);
    await until(async () => (await refusals(address)).length === 1);
    const [row] = await refusals(address);
    expect(row.data).toEqual(
      expect.objectContaining({
        status: 401,
        method: 'GET',
        path: '/api/tasks',
        address,
        reason:
          'authentication required: log in (POST /api/auth/login) or send Authorization: Bearer <token>',
      }),
    );
    expect((row.data.query as string).length).toBeLessThanOrEqual(257);
    expect((row.data.query as string).startsWith('q=xxx')).toBe(true);
    expect((row.data.userAgent as string).length).toBeLessThanOrEqual(257);
    expect(JSON.stringify(row.data).length).toBeLessThan(1200);
  });

  it('while Redis is down the count goes on in the process, and a lockout ends', async () => {
    const alone = await startApi({
      env: {
        REDIS_URL: 'redis://127.0.0.1:1',
        TRUST_PROXY: 'true',
        AUTH_FAILURES_PER_MINUTE: '2',
        AUTH_LOCKOUT_SECONDS: '1',
      },
    });
    try {
      const from = (address: string) => ({ 'X-Forwarded-For': address });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await alone.anonymous.get('/api/tasks').set(from('198.51.100.202'))).status);
      }
      expect(statuses).toEqual([401, 401, 429, 429]);
      expect((await alone.http.get('/api/tasks').set(from('198.51.100.203'))).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect((await alone.http.get('/api/tasks').set(from('198.51.100.202'))).status).toBe(200);
    } finally {
      await alone.close();
    }
  });
});
