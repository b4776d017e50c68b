import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { waitFor } from '../support/processes.js';
import { FaultStack, TEMPLATE } from './support/fault-stack.js';

/**
 * Fault test: an api process killed with SIGKILL while it answers requests. Starts go to api 0,
 * 25 in flight; after the first 40 answers it is killed, so the requests in flight die with it —
 * some before their transaction committed, some after (their answer lost). The client then
 * does what a client must: sends each failed start again, to api 1, with the same business
 * key. Each start happened once: a start whose first attempt committed is refused as a
 * duplicate (409 DUPLICATE_BUSINESS_KEY) and found by its key; the others start now. Every
 * instance runs to its end with each step once and its audit chain intact, and api 0 serves
 * again once restarted.
 */
const STARTS = 200;
const IN_FLIGHT = 25;
const KILL_AFTER = 40;
const API_CRASH_REDIS_DB = 10;

type Outcome = { key: string; id: string } | { key: string; error: string };

describe('fault tolerance: an api killed with SIGKILL in the middle of requests', () => {
  let stack: FaultStack;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, db: API_CRASH_REDIS_DB });
    await redis.flushdb();
    stack = await FaultStack.start({
      tag: 'api_crash',
      apis: 2,
      workers: 1,
      redisEnv: {
        REDIS_URL: `redis://127.0.0.1:6379/${API_CRASH_REDIS_DB}`,
        BULLMQ_PREFIX: `api-crash-${process.pid}`,
      },
    });
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await redis?.flushdb();
    redis?.disconnect();
  }, 60_000);

  it(`starts each of ${STARTS} instances once when the client sends the failed starts again`, async () => {
    const start = (api: number, key: string, n: number) =>
      stack.request(api, '/instances', {
        method: 'POST',
        body: { templateKey: TEMPLATE, businessKey: key, variables: { n } },
      });
    // Given starts in flight on api 0 when it is killed
    const outcomes: Outcome[] = [];
    let next = 0;
    let answered = 0;
    let killed = false;
    const lane = async () => {
      while (next < STARTS) {
        const n = next++;
        const key = `crash-${n}`;
        // Once api 0 is gone, the rest go to api 1 (as a load balancer would send them)
        const api = killed ? 1 : 0;
        try {
          const response = await start(api, key, n);
          expect(response.status).toBe(201);
          outcomes.push({ key, id: ((await response.json()) as { id: string }).id });
          if (++answered === KILL_AFTER && !killed) {
            killed = true;
            stack.apis[0].kill9();
          }
        } catch (error) {
          outcomes.push({ key, error: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    const failed = outcomes.filter((o): o is { key: string; error: string } => 'error' in o);
    // (the kill hit requests in flight)
    expect(failed.length).toBeGreaterThan(0);
    expect(killed).toBe(true);

    // Each failed start either committed whole or not at all
    const committed = await stack.dataSource.query<{ business_key: string; heads: number }[]>(
      `SELECT p.business_key, (SELECT count(*)::int FROM audit_streams s WHERE s.stream = p.id::text) AS heads
         FROM process_instances p WHERE p.business_key = ANY($1::text[])`,
      [failed.map((o) => o.key)],
    );
    for (const row of committed) expect(row.heads).toBe(1);

    // When the client sends each failed start again, to api 1
    const ids = new Map<string, string>(
      outcomes.flatMap((o) => ('id' in o ? [[o.key, o.id] as const] : [])),
    );
    const duplicates: string[] = [];
    for (const { key } of failed) {
      const response = await start(1, key, Number(key.slice('crash-'.length)));
      if (response.status === 409) {
        const problem = (await response.json()) as { code?: string };
        expect(problem.code).toBe('DUPLICATE_BUSINESS_KEY');
        const found = await stack.request(
          1,
          `/instances?templateKey=${TEMPLATE}&businessKey=${encodeURIComponent(key)}`,
        );
        const page = (await found.json()) as { items: { id: string }[] };
        expect(page.items).toHaveLength(1);
        ids.set(key, page.items[0].id);
        duplicates.push(key);
      } else {
        expect(response.status).toBe(201);
        ids.set(key, ((await response.json()) as { id: string }).id);
      }
    }
    // Those refused as duplicates are exactly those whose first attempt had committed
    expect(duplicates.sort()).toEqual(committed.map((row) => row.business_key).sort());

    // Then there is one instance per start, and every one runs to its end, each step once
    const [{ n, keys }] = await stack.dataSource.query<{ n: number; keys: number }[]>(
      `SELECT count(*)::int AS n, count(DISTINCT business_key)::int AS keys
         FROM process_instances WHERE template_key = $1`,
      [TEMPLATE],
    );
    expect({ n, keys, ids: ids.size }).toEqual({ n: STARTS, keys: STARTS, ids: STARTS });
    await stack.waitForAll(STARTS, 180_000, []);
    await stack.expectEachStepOnce([...ids.values()]);

    // And api 0, restarted, serves again
    stack.apis[0].start();
    await waitFor(
      'api 0 to be healthy again',
      async () => (await stack.request(0, '/health').catch(() => null))?.ok === true,
      60_000,
    );
    const again = await stack.request(0, `/instances/${ids.get('crash-0')}`);
    expect(again.status).toBe(200);
  }, 420_000);
});
