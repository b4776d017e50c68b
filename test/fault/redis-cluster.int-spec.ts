import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FaultStack } from './support/fault-stack.js';
import { RedisCluster } from './support/redis-cluster.js';

/**
 * The fault test (crash-recovery.int-spec.ts) on a Redis Cluster: three masters started from
 * this machine's `redis-server` (`redis-cli --cluster create`), two api and two worker processes
 * given REDIS_CLUSTER_NODES and a BULLMQ_PREFIX with a hash tag. One worker is killed with
 * SIGKILL and restarted, every master is flushed (FLUSHALL), the other worker is killed for good;
 * every instance still reaches its end with no step done twice and the audit chains intact, and
 * every BullMQ key sits on the master that owns the prefix's hash slot. Fewer instances than the
 * single-Redis run, to keep the suite short.
 */
const INSTANCES = Number(process.env.FAULT_CLUSTER_INSTANCES ?? 150);

describe('fault tolerance on a Redis Cluster: 3 masters, 2 apis and 2 workers, kill -9 and FLUSHALL under load', () => {
  let cluster: RedisCluster;
  let stack: FaultStack;
  const prefix = `{fault-cluster-${process.pid}}`;

  beforeAll(async () => {
    cluster = await RedisCluster.start(3);
    stack = await FaultStack.start({
      tag: 'fault_cluster',
      apis: 2,
      workers: 2,
      redisEnv: { REDIS_CLUSTER_NODES: cluster.urls.join(','), BULLMQ_PREFIX: prefix },
    });
  }, 150_000);

  afterAll(async () => {
    try {
      await stack?.stop();
    } finally {
      await cluster?.stop();
    }
  }, 60_000);

  it(`brings all ${INSTANCES} instances to their end with no step doubled, the audit intact, and the queues in one slot`, async () => {
    // Given instances being started through both apis, when meanwhile one worker is killed
    // (and restarted), the cluster flushed, and the other worker killed for good
    const { ids, doneAtFault } = await stack.startUnderFaults(INSTANCES, () => cluster.flushAll());
    const second = stack.worker(1);
    expect(stack.startedBy).toEqual([Math.ceil(INSTANCES / 2), Math.floor(INSTANCES / 2)]);
    // (instances were still running at the first fault and at the last)
    expect(doneAtFault[0]).toBeLessThan(INSTANCES);
    expect(doneAtFault[2]).toBeLessThan(INSTANCES);

    // Then every instance completes, on the one worker left
    await stack.waitForAll(INSTANCES, 120_000, doneAtFault);
    expect(second.running).toBe(false);
    // And no step was done twice, the join fired once per instance, and every audit chain verifies
    await stack.expectEachStepOnce(ids);
    // And a failed authentication is counted in the cluster by both apis (the throttle's own
    // client: one key per address, next to the queues)
    for (const base of stack.bases) {
      const refused = await fetch(`${base}/instances`, {
        headers: { Authorization: 'Bearer not-a-token' },
      });
      expect(refused.status).toBe(401);
    }
    const owner = await cluster.ownerOf(prefix);
    expect((await cluster.keysPerNode(`${prefix}:auth-failures:*`)).get(owner)).toBe(1);
    expect(await cluster.values(`${prefix}:auth-failures:*`)).toEqual(['2']);
    // And every key the processes wrote under the prefix is on the master owning its hash tag
    const keys = await cluster.keysPerNode(`${prefix}:*`);
    expect(keys.get(owner)).toBeGreaterThan(0);
    expect([...keys].filter(([port, count]) => port !== owner && count > 0)).toEqual([]);
  }, 200_000);
});
