import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { FaultStack } from './support/fault-stack.js';

/**
 * Fault test: several hundred instances, started through two api processes in turn, run on two
 * worker processes while one worker is killed with SIGKILL (and restarted), the Redis database
 * is flushed, and the other worker is killed with SIGKILL and left dead — the survivor takes
 * over its jobs. Every instance must reach its end with no step done twice and the audit chains
 * intact. test/fault/redis-cluster.int-spec.ts runs the same scenario on a Redis Cluster.
 *
 * Redis: this suite owns database index FAULT_REDIS_DB and flushes that database
 * (FLUSHDB — the same as FLUSHALL for everything this product keeps there) so that suites
 * running in parallel on other indexes are not disturbed.
 */
const INSTANCES = Number(process.env.FAULT_INSTANCES ?? 300);
const FAULT_REDIS_DB = 11;

describe('fault tolerance: 2 apis and 2 workers; kill -9 a worker, flush Redis, kill -9 the other, under load', () => {
  let stack: FaultStack;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, db: FAULT_REDIS_DB });
    await redis.flushdb();
    stack = await FaultStack.start({
      tag: 'fault',
      apis: 2,
      workers: 2,
      redisEnv: {
        REDIS_URL: `redis://127.0.0.1:6379/${FAULT_REDIS_DB}`,
        BULLMQ_PREFIX: `fault-${process.pid}`,
      },
    });
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await redis?.flushdb();
    redis?.disconnect();
  }, 60_000);

  it(`brings all ${INSTANCES} instances to their end with no step doubled and the audit intact`, async () => {
    // Given instances being started through both apis, when meanwhile one worker is killed
    // (and restarted), Redis flushed, and the other worker killed for good
    const { ids, doneAtFault } = await stack.startUnderFaults(INSTANCES, () => redis.flushdb());
    const second = stack.worker(1);
    expect(stack.startedBy).toEqual([Math.ceil(INSTANCES / 2), Math.floor(INSTANCES / 2)]);
    // (the faults hit work in flight: instances were still running at the first of them, and
    // at the last, so the surviving worker had work to take over)
    expect(doneAtFault[0]).toBeLessThan(INSTANCES);
    expect(doneAtFault[2]).toBeLessThan(INSTANCES);

    // Then every instance completes, on the one worker left
    await stack.waitForAll(INSTANCES, 240_000, doneAtFault);
    expect(second.running).toBe(false);
    // And no step was done twice, the join fired once per instance, and every audit chain verifies
    await stack.expectEachStepOnce(ids);
  }, 300_000);
});
