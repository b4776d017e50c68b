import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DefinitionCache, DeploymentService, InstanceRuntime } from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import type { DataSource } from 'typeorm';
import { bpmn } from '../support/bpmn.js';
import { TestClock, testDataSource } from '../support/database.js';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');

describe('tokens: where every running instance stands (a view over the engine state)', () => {
  let dataSource: DataSource;
  let runtime: InstanceRuntime;
  const key = `tokens-${process.pid}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    dataSource = await testDataSource(4);
    const clock = new TestClock(T0);
    const cache = new DefinitionCache(dataSource, 0);
    await new DeploymentService(dataSource, cache, clock).deploy(
      'tokens.bpmn',
      bpmn.parallel(key, ['Left', 'Right'], 'After'),
      'integrator',
    );
    runtime = new InstanceRuntime(
      dataSource,
      cache,
      clock,
      { timeZone: 'Asia/Shanghai', reminderOffsets: [], projectors: STEP_PROJECTORS },
      null,
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  const tokensOf = (instanceId: string) =>
    dataSource.query<{ element_id: string; kind: string; activated_at: Date }[]>(
      `SELECT element_id, kind, activated_at FROM tokens WHERE instance_id = $1 ORDER BY element_id`,
      [instanceId],
    );

  it('follows the instance step by step and is empty once it has ended', async () => {
    // Given an instance forked into two branches
    const instance = await runtime.start({ templateKey: key, orgUnitId: null }, 'tester');
    const atFork = await tokensOf(instance.id);
    // Then a token stands on each branch's task (and the process scope holds them)
    expect(atFork.filter((token) => token.element_id !== key).map((t) => t.element_id)).toEqual([
      'Left',
      'Right',
    ]);
    expect(atFork[0]?.activated_at.getTime()).toBe(T0);
    // And "which instances stand at Left" is one query
    const atLeft = await dataSource.query<{ instance_id: string }[]>(
      `SELECT instance_id FROM tokens WHERE template_key = $1 AND element_id = 'Left'`,
      [key],
    );
    expect(atLeft).toEqual([{ instance_id: instance.id }]);

    // When the branches are completed, the tokens move on to After, then vanish at the end
    const tasks = () =>
      dataSource.query<{ id: string; element_id: string }[]>(
        `SELECT id, element_id FROM tasks WHERE instance_id = $1 AND state = 'open' ORDER BY element_id`,
        [instance.id],
      );
    for (const task of await tasks()) await runtime.completeTask(task.id, {}, 'tester');
    expect((await tokensOf(instance.id)).map((t) => t.element_id)).toContain('After');
    expect((await tokensOf(instance.id)).map((t) => t.element_id)).not.toContain('Left');
    for (const task of await tasks()) await runtime.completeTask(task.id, {}, 'tester');
    expect(await tokensOf(instance.id)).toEqual([]);
  });
});
