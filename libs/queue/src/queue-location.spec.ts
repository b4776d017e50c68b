import { afterAll, describe, expect, it } from '@jest/globals';
import { QueueKeys } from 'bullmq';
import { Cluster } from 'ioredis';
import { queueLocation } from './queue-location.js';
import { QueueName } from './queues.js';

/** CRC16-CCITT (XMODEM), the checksum of Redis Cluster's key → slot mapping. */
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/** The hash slot of a key, as Redis Cluster computes it: its first non-empty `{…}`, or all of it. */
function hashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) % 16384;
  }
  return crc16(key) % 16384;
}

/** Every key BullMQ builds for a queue, and one job's keys (its hash, its lock, its logs). */
function keysOf(location: { name: string; prefix: string }): string[] {
  const keys = new QueueKeys(location.prefix);
  return [
    ...Object.values(keys.getKeys(location.name)),
    keys.toKey(location.name, 'timer-7f3c'),
    keys.toKey(location.name, 'timer-7f3c:lock'),
    keys.toKey(location.name, 'timer-7f3c:logs'),
  ];
}

/** The master of a slot when `redis-cli --cluster create` splits the slots evenly over three. */
function masterOfThree(slot: number): number {
  return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
}

const QUEUES = Object.values(QueueName);
const ONE_REDIS = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };

describe('queueLocation', () => {
  // Never connects (lazyConnect); only its type matters.
  const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true });
  afterAll(() => cluster.disconnect());

  it('computes slots as Redis does (the checks below rely on it)', () => {
    expect(crc16('123456789')).toBe(0x31c3);
    expect(hashSlot('somekey')).toBe(11058);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
    expect(hashSlot('{user1000}.followers')).toBe(hashSlot('user1000'));
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
    expect(hashSlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % 16384);
  });

  it('given one Redis, when located, then every queue keeps its name under the prefix: the keys deployments have today', () => {
    for (const prefix of ['branchflow', '{branchflow}', 'wk-timers-1234']) {
      expect(
        QUEUES.map((queue) => queueLocation(queue, { prefix, connection: ONE_REDIS })),
      ).toEqual(
        [
          'process-advance',
          'timers',
          'reminders',
          'notifications',
          'maintenance',
          'bulk-starts',
        ].map((name) => ({ name, prefix })),
      );
    }
    expect(
      keysOf(queueLocation(QueueName.Timers, { prefix: 'branchflow', connection: ONE_REDIS })),
    ).toContain('branchflow:timers:delayed');
  });

  it('given a Redis Cluster, when located, then each queue is its own hash tag of the prefix and the queue, under the prefix', () => {
    const located = QUEUES.map((queue) =>
      queueLocation(queue, { prefix: 'branchflow', connection: cluster }),
    );
    expect(located).toEqual(
      QUEUES.map((queue) => ({ name: `{branchflow-${queue}}`, prefix: 'branchflow' })),
    );
    expect(
      keysOf(queueLocation(QueueName.Timers, { prefix: 'branchflow', connection: cluster })),
    ).toContain('branchflow:{branchflow-timers}:delayed');
    // every key of the deployment still starts with the prefix
    for (const location of located) {
      for (const key of keysOf(location)) expect(key.startsWith('branchflow:')).toBe(true);
    }
  });

  it('given a Redis Cluster, when located, then all keys of one queue share a slot and no two queues do', () => {
    for (const prefix of ['branchflow', 'bf-eu_1', 'wk-timers-1234']) {
      const slots = QUEUES.map((queue) => {
        const keys = keysOf(queueLocation(queue, { prefix, connection: cluster }));
        const slotsOfQueue = new Set(keys.map(hashSlot));
        expect(slotsOfQueue.size).toBe(1);
        return [...slotsOfQueue][0];
      });
      expect(new Set(slots).size).toBe(QUEUES.length);
    }
  });

  it('given a Redis Cluster of three masters split evenly, when the default prefix is located, then its queues use every master (docs/scale.md)', () => {
    const masters = QUEUES.map((queue) => {
      const location = queueLocation(queue, { prefix: 'branchflow', connection: cluster });
      return masterOfThree(hashSlot(keysOf(location)[0]));
    });
    expect(Object.fromEntries(QUEUES.map((queue, i) => [queue, masters[i]]))).toEqual({
      'process-advance': 1,
      timers: 2,
      reminders: 1,
      notifications: 0,
      maintenance: 2,
      'bulk-starts': 2,
    });
  });

  it('given the single-slot layout (a hash tag in the prefix), when every queue is located as before, then they share one slot: what a cluster refuses now', () => {
    const before = QUEUES.map((queue) => hashSlot(`{branchflow}:${queue}:wait`));
    expect(new Set(before).size).toBe(1);
    expect(() =>
      queueLocation(QueueName.Timers, { prefix: '{branchflow}', connection: cluster }),
    ).toThrow(/prefix '\{branchflow\}' holds a hash tag/);
    expect(() =>
      queueLocation(QueueName.Timers, { prefix: 'bf-{eu}', connection: cluster }),
    ).toThrow(/holds a hash tag/);
  });
});
