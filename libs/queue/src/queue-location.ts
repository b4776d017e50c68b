import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import type { QueueName } from './queues.js';

/** True when the connection is a Redis Cluster client (REDIS_CLUSTER_NODES was set). */
export function isRedisCluster(connection: ConnectionOptions): connection is Cluster {
  return connection instanceof Cluster;
}

/** The deployment's BullMQ key prefix (BULLMQ_PREFIX) and the Redis its processes connect to. */
export interface QueueDeployment {
  readonly prefix: string;
  readonly connection: ConnectionOptions;
}

/** What a BullMQ Queue, Worker or QueueEvents of one queue is opened with. */
export interface QueueLocation {
  /** BullMQ's queue name (its keys are `<prefix>:<name>:<type>`). */
  readonly name: string;
  readonly prefix: string;
}

/**
 * Where one of the deployment's queues lives in Redis; every Queue and Worker is opened with
 * what this answers, so that the api, the worker and the tests agree.
 *
 * - One Redis: the queue's own name under the prefix (`branchflow:timers:…`), the keys every
 *   deployment has always had.
 * - A Redis Cluster: the name wrapped in a hash tag of the prefix and the queue
 *   (`branchflow:{branchflow-timers}:…`). BullMQ's scripts touch several keys of a queue at
 *   once, which a cluster allows within one hash slot only; the tag keeps a queue's keys in one
 *   slot, and gives every queue of every deployment a slot of its own, so that the cluster spreads
 *   the queues over its masters. The prefix stays outside the tag, so every key of the
 *   deployment still starts with `<prefix>:`. A prefix with a hash tag of its own would put
 *   every queue in that one slot again: refused (as BULLMQ_PREFIX is, on a cluster).
 */
export function queueLocation(queue: QueueName, deployment: QueueDeployment): QueueLocation {
  const { prefix, connection } = deployment;
  if (!isRedisCluster(connection)) return { name: queue, prefix };
  if (/[{}]/.test(prefix)) {
    throw new Error(
      `BullMQ prefix '${prefix}' holds a hash tag: on a Redis Cluster each queue has its own tag, and the prefix's would put every queue in one slot`,
    );
  }
  return { name: `{${prefix}-${queue}}`, prefix };
}
