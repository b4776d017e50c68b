import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { QueueName, queueLocation } from '@app/queue';
import { closeRedisConnection, redisConnection } from '@app/runtime';
import { FaultStack } from './support/fault-stack.js';
import { RedisCluster } from './support/redis-cluster.js';

/**
 * The fault test (crash-recovery.int-spec.ts) on a Redis Cluster: three masters started from
 * this machine's `redis-server` (`redis-cli --cluster create`), two api and two worker processes
 * given REDIS_CLUSTER_NODES and the default BULLMQ_PREFIX (the cluster is the suite's own). One
 * worker is killed with SIGKILL and restarted, every master is flushed (FLUSHALL), the other
 * worker is killed for good; every instance still reaches its end with no step done twice and the
 * audit chains intact. Each queue's keys sit in one slot, on that slot's master, and the queues
 * are spread over more than one master (`queueLocation`: a hash tag per queue; with the default
 * prefix on redis-cli's even split, process-advance on the second master, timers and maintenance
 * on the third). Fewer instances than the single-Redis run, to keep the suite short.
 */
const INSTANCES = Number(process.env.FAULT_CLUSTER_INSTANCES ?? 150);

describe('fault tolerance on a Redis Cluster: 3 masters, 2 apis and 2 workers, kill -9 and FLUSHALL under load', () => {
  let cluster: RedisCluster;
  let stack: FaultStack;
  const prefix = 'branchflow';

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

  it(`brings all ${INSTANCES} instances to their end with no step doubled, the audit intact, and the queues spread over the masters`, async () => {
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
    // client: one key per address, in whichever slot the key hashes to)
    for (const base of stack.bases) {
      const refused = await fetch(`${base}/instances`, {
        headers: { Authorization: 'Bearer not-a-token' },
      });
      expect(refused.status).toBe(401);
    }
    expect(await cluster.values(`${prefix}:auth-failures:*`)).toEqual(['2']);

    // And each queue's keys are in one slot, on the master that owns it
    const connection = redisConnection({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
    });
    const located = Object.values(QueueName).map((queue) => {
      const location = queueLocation(queue, { prefix, connection });
      return { queue, keyPrefix: `${location.prefix}:${location.name}:` };
    });
    await closeRedisConnection(connection);
    const mastersOf = new Map<QueueName, number[]>();
    for (const { queue, keyPrefix } of located) {
      const byNode = await cluster.keysByNode(`${keyPrefix}*`);
      const masters = [...byNode].filter(([, keys]) => keys.length > 0).map(([port]) => port);
      if (masters.length > 0) {
        expect({ queue, masters }).toEqual({ queue, masters: [await cluster.ownerOf(keyPrefix)] });
      }
      mastersOf.set(queue, masters);
    }
    // (the queues the scenario uses: service tasks, timers, the maintenance schedules)
    for (const queue of [QueueName.Advance, QueueName.Timers, QueueName.Maintenance]) {
      expect({ queue, masters: mastersOf.get(queue)?.length }).toEqual({ queue, masters: 1 });
    }
    // And the queues are spread over more than one master
    const used = new Set([...mastersOf.values()].flat());
    expect(used.size).toBeGreaterThan(1);
    // And every key of the deployment is one of a queue's, or the throttle's
    const strays = [...(await cluster.keysByNode(`${prefix}:*`)).values()]
      .flat()
      .filter(
        (key) =>
          !key.startsWith(`${prefix}:auth-failures:`) &&
          !located.some(({ keyPrefix }) => key.startsWith(keyPrefix)),
      );
    expect(strays).toEqual([]);
  }, 200_000);
});
