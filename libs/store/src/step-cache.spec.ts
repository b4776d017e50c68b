import { describe, expect, it } from '@jest/globals';
import type { InstanceState } from '@app/engine';
import { type CachedInstance, StepCache } from './step-cache.js';

function entry(
  id: string,
  revision: number,
  taskIds: readonly string[],
  bytes = 100,
): CachedInstance {
  return {
    id,
    templateKey: 'p',
    version: 1,
    businessKey: null,
    orgUnitId: null,
    startedBy: 'u',
    createdAt: new Date(0),
    revision,
    engineState: {} as InstanceState,
    auditSeq: revision * 3,
    auditHash: `h${revision}`,
    bytes,
    tasks: new Map(taskIds.map((taskId) => [taskId, { key: `k-${taskId}`, claimedBy: null }])),
  };
}

describe('StepCache', () => {
  it('given an instance kept with its open tasks, when looked up by a task, then it answers the instance', () => {
    const cache = new StepCache(10);
    cache.put(entry('i1', 1, ['t1', 't2']));
    expect(cache.byTask('t1')?.id).toBe('i1');
    expect(cache.byTask('t2')?.revision).toBe(1);
    expect(cache.byTask('t3')).toBeUndefined();
  });

  it('given a later step kept, when a task it ended is looked up, then nothing is found for it', () => {
    const cache = new StepCache(10);
    cache.put(entry('i1', 1, ['t1']));
    cache.put(entry('i1', 2, ['t2']));
    expect(cache.byTask('t1')).toBeUndefined();
    expect(cache.byTask('t2')?.revision).toBe(2);
  });

  it('given a later revision kept, when an earlier one is put (a slower concurrent step), then the later stays', () => {
    const cache = new StepCache(10);
    cache.put(entry('i1', 3, ['t3']));
    cache.put(entry('i1', 2, ['t2']));
    expect(cache.get('i1')?.revision).toBe(3);
    expect(cache.byTask('t2')).toBeUndefined();
    expect(cache.byTask('t3')?.revision).toBe(3);
  });

  it('given more instances than the limit, when one more is put, then the least recently used is dropped with its tasks', () => {
    const cache = new StepCache(2);
    cache.put(entry('i1', 1, ['t1']));
    cache.put(entry('i2', 1, ['t2']));
    expect(cache.byTask('t1')?.id).toBe('i1'); // i1 used last: i2 is the oldest now
    cache.put(entry('i3', 1, ['t3']));
    expect(cache.size).toBe(2);
    expect(cache.get('i2')).toBeUndefined();
    expect(cache.byTask('t2')).toBeUndefined();
    expect(cache.byTask('t1')?.id).toBe('i1');
    expect(cache.byTask('t3')?.id).toBe('i3');
  });

  it('given a dropped instance, when its tasks are looked up, then nothing is found', () => {
    const cache = new StepCache(10);
    cache.put(entry('i1', 1, ['t1']));
    cache.drop('i1');
    cache.drop('i1');
    expect(cache.byTask('t1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('given engine states heavier in all than the byte bound, when one more is put, then the least recently used go until it fits', () => {
    const cache = new StepCache(1000, 64 * 100);
    for (let i = 0; i < 64; i++) cache.put(entry(`i${i}`, 1, [`t${i}`], 100));
    expect(cache.weight).toBe(6400);
    cache.put(entry('i64', 1, ['t64'], 100));
    expect(cache.size).toBe(64);
    expect(cache.weight).toBe(6400);
    expect(cache.byTask('t0')).toBeUndefined();
    expect(cache.byTask('t64')?.id).toBe('i64');
  });

  it('given an engine state heavier than a 64th of the byte bound, when it is put, then it is not kept and its older entry goes', () => {
    const cache = new StepCache(1000, 64 * 100);
    cache.put(entry('i1', 1, ['t1'], 100));
    cache.put(entry('i1', 2, ['t2'], 101));
    expect(cache.size).toBe(0);
    expect(cache.weight).toBe(0);
    expect(cache.byTask('t1')).toBeUndefined();
    expect(cache.byTask('t2')).toBeUndefined();
  });

  it('given a limit of 0, when instances are put, then nothing is kept', () => {
    const cache = new StepCache(0);
    cache.put(entry('i1', 1, ['t1']));
    expect(cache.size).toBe(0);
    expect(cache.byTask('t1')).toBeUndefined();
  });
});
