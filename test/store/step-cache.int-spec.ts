import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { appendAudit, verifyAudit } from '@app/audit';
import {
  DefinitionCache,
  DeploymentService,
  InstanceRuntime,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import type { DataSource } from 'typeorm';
import { TestClock, testDataSource } from '../support/database.js';
import { bpmn } from '../support/bpmn.js';

const T0 = Date.parse('2026-05-04T09:00:00+08:00');

/**
 * The one-round-trip completion: a runtime completes tasks of instances it stepped last from
 * its cache, the locking statement checking that the rows are still as cached. Two runtimes
 * on one database play two processes (two apis, or an api and a worker).
 */
describe('step cache: completions in one round trip, checked against the locked rows', () => {
  let dataSource: DataSource;
  let clock: TestClock;
  let a: InstanceRuntime;
  let b: InstanceRuntime;
  let uncached: InstanceRuntime;

  beforeAll(async () => {
    dataSource = await testDataSource(8);
    clock = new TestClock(T0);
    const runtime = (stepCacheSize?: number) =>
      new InstanceRuntime(
        dataSource,
        new DefinitionCache(dataSource, 0),
        clock,
        {
          timeZone: 'Asia/Shanghai',
          reminderOffsets: [],
          stepCacheSize,
          projectors: STEP_PROJECTORS,
        },
        null,
      );
    a = runtime();
    b = runtime();
    uncached = runtime(0);
    const deployments = new DeploymentService(
      dataSource,
      new DefinitionCache(dataSource, 0),
      clock,
    );
    await deployments.deploy('cache-seq.bpmn', bpmn.sequence('cache-seq', ['A', 'B', 'C']), 'it');
    await deployments.deploy(
      'cache-par.bpmn',
      bpmn.parallel('cache-par', ['Left', 'Right'], 'After'),
      'it',
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  const openTasks = async (instanceId: string) =>
    await dataSource.query<{ id: string; element_id: string }[]>(
      `SELECT id, element_id FROM tasks WHERE instance_id = $1 AND state = 'open' ORDER BY element_id`,
      [instanceId],
    );
  const instanceRow = async (instanceId: string) =>
    (
      await dataSource.query<{ state: string; revision: number }[]>(
        `SELECT state, revision FROM process_instances WHERE id = $1`,
        [instanceId],
      )
    )[0];
  const completedTasks = async (instanceId: string) =>
    await dataSource.query<{ element_id: string; completed_by: string }[]>(
      `SELECT element_id, completed_by FROM tasks WHERE instance_id = $1 AND state = 'completed' ORDER BY ended_at, element_id`,
      [instanceId],
    );
  const chainIntact = async (instanceId: string) =>
    (await verifyAudit(dataSource.manager, { stream: instanceId })).ok;

  it('given an instance a runtime started, when it completes every task, then each completion comes from its cache and the rows and chain are as with locks', async () => {
    // Given an instance started by runtime a (so cached there)
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const before = a.cacheStats;
    // When a completes A, B and C, each time the task its previous step created
    let summary = started;
    for (const element of ['A', 'B', 'C']) {
      expect(summary.openTasks?.map((task) => task.element_id)).toEqual([element]);
      summary = await a.completeTask(summary.openTasks?.[0]?.id ?? '', {}, 'user', {
        openTasks: true,
      });
    }
    // Then all three came from the cache, and the instance ended as with the locked path
    expect(a.cacheStats.fromCache - before.fromCache).toBe(3);
    expect(a.cacheStats.leftToLocks - before.leftToLocks).toBe(0);
    expect(summary.state).toBe('completed');
    expect(await instanceRow(started.id)).toEqual({ state: 'completed', revision: 4 });
    expect((await completedTasks(started.id)).map((task) => task.element_id)).toEqual([
      'A',
      'B',
      'C',
    ]);
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given another process stepped the instance since, when the stale cache is used, then the locked path completes it and the join fires once', async () => {
    // Given a parallel instance started by a (both branch tasks cached there)
    const started = await a.start({ templateKey: 'cache-par' }, 'starter');
    const [left, right] = await openTasks(started.id);
    expect([left.element_id, right.element_id]).toEqual(['Left', 'Right']);
    // And runtime b (another process) completes the left branch
    await b.completeTask(left.id, {}, 'user-b');
    const before = a.cacheStats;
    // When a completes the right branch from its now stale cache
    const summary = await a.completeTask(right.id, {}, 'user-a', { openTasks: true });
    // Then the cached attempt was refused and the locked path completed it: the join fired
    // once and After is open, revisions and chain in order
    expect(a.cacheStats.fromCache - before.fromCache).toBe(0);
    expect(a.cacheStats.leftToLocks - before.leftToLocks).toBe(1);
    expect(summary.openTasks?.map((task) => task.element_id)).toEqual(['After']);
    expect((await openTasks(started.id)).map((task) => task.element_id)).toEqual(['After']);
    expect(await instanceRow(started.id)).toEqual({ state: 'active', revision: 3 });
    expect(await chainIntact(started.id)).toBe(true);
    // And the step after it comes from the cache again (the locked path refreshed it)
    await a.completeTask(summary.openTasks?.[0]?.id ?? '', {}, 'user-a');
    expect(a.cacheStats.fromCache - before.fromCache).toBe(1);
    expect(await instanceRow(started.id)).toEqual({ state: 'completed', revision: 4 });
  });

  it('given the task was claimed by someone else since it was cached, when it is completed from the cache, then the claim is seen and the completion refused', async () => {
    // Given an instance started by a, whose task another user then claims
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    await dataSource.query(`UPDATE tasks SET claimed_by = 'other' WHERE id = $1`, [task.id]);
    const seen: (string | null)[] = [];
    // When a completes it with a check that refuses a task claimed by someone else
    const completion = a.completeTask(task.id, {}, 'user-a', {
      check: (locked) => {
        seen.push(locked.claimedBy);
        if (locked.claimedBy !== null && locked.claimedBy !== 'user-a') {
          throw new RuntimeException(RuntimeExceptionCode.TASK_NOT_OPEN, 'claimed by other');
        }
      },
    });
    // Then it is refused: the cached attempt passed the check (no claim cached) but not the
    // locking statement, the locked path saw the claim
    await expect(completion).rejects.toThrow('claimed by other');
    expect(seen).toEqual([null, 'other']);
    expect(await openTasks(started.id)).toEqual([task]);
    expect(await instanceRow(started.id)).toEqual({ state: 'active', revision: 1 });
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given the instance row was changed by another writer, when a task is completed from the cache, then the revision gives it away and the locked path completes it', async () => {
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    await dataSource.query(`UPDATE process_instances SET revision = revision + 1 WHERE id = $1`, [
      started.id,
    ]);
    const before = a.cacheStats;
    await a.completeTask(task.id, {}, 'user-a');
    expect(a.cacheStats.leftToLocks - before.leftToLocks).toBe(1);
    expect(a.cacheStats.fromCache - before.fromCache).toBe(0);
    expect((await openTasks(started.id)).map((open) => open.element_id)).toEqual(['B']);
    expect(await instanceRow(started.id)).toEqual({ state: 'active', revision: 3 });
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given an event appended to the chain since (a reminder, a claim), when a task is completed from the cache, then its events follow that one and the chain holds', async () => {
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    await appendAudit(dataSource.manager, started.id, [
      {
        type: 'task.reminded',
        actor: 'system:reminder',
        instanceId: started.id,
        elementId: 'A',
        at: clock.now(),
        data: { taskId: task.id },
      },
    ]);
    const before = a.cacheStats;
    await a.completeTask(task.id, {}, 'user-a');
    expect(a.cacheStats.leftToLocks - before.leftToLocks).toBe(1);
    const types = await dataSource.query<{ type: string }[]>(
      `SELECT type FROM audit_events WHERE stream = $1 ORDER BY seq`,
      [started.id],
    );
    expect(types.map((row) => row.type)).toContain('task.reminded');
    expect(types.map((row) => row.type).at(-1)).not.toBe('task.reminded');
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given the instance was cancelled by another process, when a task is completed from the cache, then it is refused and nothing is written', async () => {
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    await b.execute(started.id, { type: 'cancel' }, 'admin');
    // When a completes the (cancelled) task from its cache
    const completion = a.completeTask(task.id, {}, 'user-a');
    // Then the locked path refuses it: the task is no longer open
    await expect(completion).rejects.toMatchObject({ code: RuntimeExceptionCode.TASK_NOT_OPEN });
    expect(await instanceRow(started.id)).toEqual({ state: 'terminated', revision: 2 });
    expect(await completedTasks(started.id)).toEqual([]);
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given two concurrent completions of one cached task, when both run, then one completes and the other is refused', async () => {
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    const results = await Promise.allSettled([
      a.completeTask(task.id, {}, 'first'),
      a.completeTask(task.id, {}, 'second'),
    ]);
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({
      code: RuntimeExceptionCode.TASK_NOT_OPEN,
    });
    expect(await completedTasks(started.id)).toHaveLength(1);
    expect((await openTasks(started.id)).map((open) => open.element_id)).toEqual(['B']);
    expect(await instanceRow(started.id)).toEqual({ state: 'active', revision: 2 });
    expect(await chainIntact(started.id)).toBe(true);
  });

  it('given a task whose completion the engine refuses, when completed from the cache, then the locked path gives the same refusal', async () => {
    const started = await a.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    const before = a.cacheStats;
    // The variables fail the engine's own check (not JSON values)
    const completion = a.completeTask(task.id, { bad: Number.NaN }, 'user-a');
    await expect(completion).rejects.toBeInstanceOf(RuntimeException);
    expect(a.cacheStats.leftToLocks - before.leftToLocks).toBe(1);
    expect(await openTasks(started.id)).toEqual([task]);
    expect(await instanceRow(started.id)).toEqual({ state: 'active', revision: 1 });
  });

  it('given a runtime without a cache, when it completes tasks, then every completion takes the locked path', async () => {
    const started = await uncached.start({ templateKey: 'cache-seq' }, 'starter');
    const [task] = await openTasks(started.id);
    await uncached.completeTask(task.id, {}, 'user');
    expect(uncached.cacheStats).toEqual({ fromCache: 0, leftToLocks: 0, instances: 0 });
    expect((await openTasks(started.id)).map((open) => open.element_id)).toEqual(['B']);
  });
});
