import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyAudit } from '@app/audit';
import {
  BatchStarter,
  DefinitionCache,
  DeploymentService,
  InstanceRuntime,
  JOBS_AHEAD_MS,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import type { DataSource } from 'typeorm';
import { TestClock, testDataSource } from '../support/database.js';
import { bpmn } from '../support/bpmn.js';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');

describe('durable runtime: deployment and steps against PostgreSQL', () => {
  let dataSource: DataSource;
  let clock: TestClock;
  let deployments: DeploymentService;
  let runtime: InstanceRuntime;
  let cache: DefinitionCache;

  beforeAll(async () => {
    dataSource = await testDataSource(8);
    clock = new TestClock(T0);
    cache = new DefinitionCache(dataSource, 0);
    deployments = new DeploymentService(dataSource, cache, clock);
    runtime = new InstanceRuntime(
      dataSource,
      cache,
      clock,
      {
        timeZone: 'Asia/Shanghai',
        reminderOffsets: ['P3D', 'P1D', 'PT0S'],
        projectors: STEP_PROJECTORS,
      },
      null,
    );
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  const tasksOf = async (instanceId: string) =>
    await dataSource.query<
      {
        id: string;
        element_id: string;
        state: string;
        assignee: string | null;
        due_at: Date | null;
      }[]
    >(
      `SELECT id, element_id, state, assignee, due_at FROM tasks WHERE instance_id = $1 ORDER BY created_at, engine_key::int`,
      [instanceId],
    );

  it('deploys a template once per checksum, versions a changed one, and refuses an invalid one whole', async () => {
    // Given a template
    const v1 = bpmn.sequence('deploy-me', ['A']);
    // When it is deployed twice, then changed and deployed again
    const first = await deployments.deploy('deploy-me.bpmn', v1, 'integrator');
    const again = await deployments.deploy('deploy-me.bpmn', v1, 'integrator');
    const changed = await deployments.deploy(
      'deploy-me.bpmn',
      bpmn.sequence('deploy-me', ['A', 'B']),
      'integrator',
    );
    // Then the first deploy creates version 1, the repeat is a no-op, the change is version 2
    expect(first.processes).toEqual([
      expect.objectContaining({ key: 'deploy-me', version: 1, created: true }),
    ]);
    expect(again.deploymentId).toBeNull();
    expect(again.processes).toEqual([
      expect.objectContaining({ key: 'deploy-me', version: 1, created: false }),
    ]);
    expect(changed.processes).toEqual([
      expect.objectContaining({ key: 'deploy-me', version: 2, created: true }),
    ]);
    // And an invalid template is refused with the lint problems, writing nothing
    const before = await dataSource.query<
      {
        n: number;
      }[]
    >(`SELECT count(*)::int AS n FROM deployments`);
    const refusal = await deployments
      .deploy(
        'broken.bpmn',
        bpmn.sequence('broken', ['A']).replace('targetRef="A"', 'targetRef="Nowhere"'),
        'integrator',
      )
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RuntimeException);
    expect((refusal as RuntimeException).code).toBe(RuntimeExceptionCode.TEMPLATE_INVALID);
    expect((refusal as RuntimeException).details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ elementId: expect.any(String), bpmnType: 'bpmn:SequenceFlow' }),
      ]),
    );
    const after = await dataSource.query<
      {
        n: number;
      }[]
    >(`SELECT count(*)::int AS n FROM deployments`);
    expect(after).toEqual(before);
  });

  it('runs an instance to its end, projecting tasks and auditing every step in an unbroken chain', async () => {
    await deployments.deploy(
      'two-steps.bpmn',
      bpmn.sequence('two-steps', ['First', 'Second']),
      'integrator',
    );
    // Given a started instance
    const instance = await runtime.start(
      { templateKey: 'two-steps', businessKey: 'bk-1', variables: { who: 'li' } },
      'secretary-1',
    );
    expect(instance.state).toBe('active');
    // When both tasks are completed
    const [first] = await tasksOf(instance.id);
    await runtime.completeTask(first.id, { ok: true }, 'secretary-1');
    const second = (await tasksOf(instance.id)).find((task) => task.element_id === 'Second');
    const done = await runtime.completeTask(second!.id, {}, 'secretary-1');
    // Then the instance completed, the task rows agree, and the variables are stored
    expect(done.state).toBe('completed');
    expect((await tasksOf(instance.id)).map((task) => [task.element_id, task.state])).toEqual([
      ['First', 'completed'],
      ['Second', 'completed'],
    ]);
    const [row] = await dataSource.query<
      { state: string; variables: object; ended_at: Date | null }[]
    >(`SELECT state, variables, ended_at FROM process_instances WHERE id = $1`, [instance.id]);
    expect(row).toEqual({
      state: 'completed',
      variables: { who: 'li', ok: true },
      ended_at: expect.any(Date),
    });
    // And the audit trail has the whole life, in a chain that verifies
    const events = await dataSource.query<{ type: string; actor: string }[]>(
      `SELECT type, actor FROM audit_events WHERE instance_id = $1 ORDER BY seq`,
      [instance.id],
    );
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'instance.started',
        'task.created',
        'task.completed',
        'instance.completed',
      ]),
    );
    expect(events[0]).toEqual({ type: 'instance.started', actor: 'secretary-1' });
    expect((await verifyAudit(dataSource.manager, { stream: instance.id })).ok).toBe(true);
  });

  it('gives each task its instance’s unit and template as the step writes it, and the trigger fills them for another writer', async () => {
    await deployments.deploy(
      'unit-tasks.bpmn',
      bpmn.sequence('unit-tasks', ['A', 'B']),
      'integrator',
    );
    await dataSource.query(
      `INSERT INTO org_units (id, parent_id, kind, name, path)
       VALUES ('rt-committee', NULL, 'committee', '运行时测试党委', '/rt-committee/'),
              ('rt-branch', 'rt-committee', 'branch', '运行时测试支部', '/rt-committee/rt-branch/')`,
    );
    const columns = () =>
      dataSource.query<{ element_id: string; org_unit_id: string | null; template_key: string }[]>(
        `SELECT t.element_id, t.org_unit_id, t.template_key FROM tasks t
           JOIN process_instances i ON i.id = t.instance_id
          WHERE i.template_key = 'unit-tasks' ORDER BY i.business_key, t.element_id`,
      );
    // Given the trigger that reads them from the instance switched off
    await dataSource.query(`ALTER TABLE tasks DISABLE TRIGGER tasks_instance_columns`);
    let one: Awaited<ReturnType<InstanceRuntime['start']>>;
    try {
      // When an instance is started and stepped, and two more are started in one batch
      one = await runtime.start(
        { templateKey: 'unit-tasks', businessKey: 'a', orgUnitId: 'rt-branch' },
        'secretary-1',
      );
      const [first] = await tasksOf(one.id);
      await runtime.completeTask(first.id, {}, 'secretary-1');
      const starter = new BatchStarter(cache, clock, {
        timeZone: 'Asia/Shanghai',
        reminderOffsets: [],
        projectors: STEP_PROJECTORS,
      });
      const batch = await dataSource.transaction((manager) =>
        starter.start(
          manager,
          'unit-tasks',
          [
            { templateKey: 'unit-tasks', businessKey: 'b', orgUnitId: 'rt-branch' },
            { templateKey: 'unit-tasks', businessKey: 'c' },
          ],
          'system',
        ),
      );
      expect(batch.started).toBe(2);
    } finally {
      await dataSource.query(`ALTER TABLE tasks ENABLE TRIGGER tasks_instance_columns`);
    }
    // Then every task row holds its instance's unit and template, as the writers wrote them
    expect(await columns()).toEqual([
      { element_id: 'A', org_unit_id: 'rt-branch', template_key: 'unit-tasks' },
      { element_id: 'B', org_unit_id: 'rt-branch', template_key: 'unit-tasks' },
      { element_id: 'A', org_unit_id: 'rt-branch', template_key: 'unit-tasks' },
      { element_id: 'A', org_unit_id: null, template_key: 'unit-tasks' },
    ]);
    // And a writer that leaves them out gets the instance's from the trigger
    await dataSource.query(
      `INSERT INTO tasks (instance_id, engine_key, kind, element_id, state, created_at)
       VALUES ($1, 'by-hand', 'user', 'Z', 'cancelled', now())`,
      [one.id],
    );
    const [byHand] = await dataSource.query<{ org_unit_id: string; template_key: string }[]>(
      `SELECT org_unit_id, template_key FROM tasks WHERE instance_id = $1 AND engine_key = 'by-hand'`,
      [one.id],
    );
    expect(byHand).toEqual({ org_unit_id: 'rt-branch', template_key: 'unit-tasks' });
  });

  it('refuses a second instance with the same business key', async () => {
    await deployments.deploy('unique.bpmn', bpmn.sequence('unique', ['A']), 'integrator');
    await runtime.start({ templateKey: 'unique', businessKey: 'theme-day:b1:2026-03' }, 'cron');
    const again = await runtime
      .start({ templateKey: 'unique', businessKey: 'theme-day:b1:2026-03' }, 'cron')
      .catch((e: unknown) => e);
    expect((again as RuntimeException).code).toBe(RuntimeExceptionCode.DUPLICATE_BUSINESS_KEY);
  });

  it('lets exactly one of two concurrent completions of a task through', async () => {
    await deployments.deploy('race.bpmn', bpmn.sequence('race', ['A', 'B']), 'integrator');
    const instance = await runtime.start({ templateKey: 'race' }, 'someone');
    const [task] = await tasksOf(instance.id);
    // When two completions race
    const results = await Promise.allSettled([
      runtime.completeTask(task.id, { by: 1 }, 'one'),
      runtime.completeTask(task.id, { by: 2 }, 'two'),
    ]);
    // Then one succeeds and the other is refused as no longer open
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((rejected.reason as RuntimeException).code).toBe(RuntimeExceptionCode.TASK_NOT_OPEN);
    // And B was created once
    expect((await tasksOf(instance.id)).filter((t) => t.element_id === 'B')).toHaveLength(1);
  });

  it('fires a parallel join once when its branches complete concurrently', async () => {
    await deployments.deploy(
      'fork.bpmn',
      bpmn.parallel('fork', ['A', 'B', 'C'], 'After'),
      'integrator',
    );
    const instance = await runtime.start({ templateKey: 'fork' }, 'someone');
    const tasks = await tasksOf(instance.id);
    expect(tasks.map((t) => t.element_id).sort()).toEqual(['A', 'B', 'C']);
    await Promise.all(tasks.map((task) => runtime.completeTask(task.id, {}, 'someone')));
    const after = (await tasksOf(instance.id)).filter((t) => t.element_id === 'After');
    expect(after).toHaveLength(1);
    const joins = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE instance_id = $1 AND type = 'element.activated' AND element_id = 'Join'`,
      [instance.id],
    );
    expect(joins).toEqual([{ n: 1 }]);
  });

  it('keeps timers in PostgreSQL, with an outbox job when due within JOBS_AHEAD_MS, and firing one twice has one effect', async () => {
    // Given a timer due an hour after its start: no job yet (the reconciler enqueues it later)
    expect(JOBS_AHEAD_MS).toBeLessThan(3600_000);
    await deployments.deploy('later.bpmn', bpmn.timerThenTask('later', 'PT1H'), 'integrator');
    const later = await runtime.start({ templateKey: 'later' }, 'someone');
    const [laterTimer] = await dataSource.query<{ id: string; due_at: Date }[]>(
      `SELECT id, due_at FROM timers WHERE instance_id = $1 AND state = 'scheduled'`,
      [later.id],
    );
    expect(laterTimer.due_at).toEqual(new Date(T0 + 3600_000));
    expect(
      await dataSource.query(`SELECT 1 FROM outbox WHERE payload->>'timerId' = $1`, [
        laterTimer.id,
      ]),
    ).toEqual([]);
    // And one due within JOBS_AHEAD_MS: its job is written with it
    await deployments.deploy('wait.bpmn', bpmn.timerThenTask('wait', 'PT5M'), 'integrator');
    const instance = await runtime.start({ templateKey: 'wait' }, 'someone');
    const [timer] = await dataSource.query<
      {
        id: string;
        state: string;
        due_at: Date;
      }[]
    >(`SELECT id, state, due_at FROM timers WHERE instance_id = $1`, [instance.id]);
    expect(timer).toEqual({
      id: expect.any(String),
      state: 'scheduled',
      due_at: new Date(T0 + 300_000),
    });
    const outbox = await dataSource.query<{ job_name: string; job_id: string; not_before: Date }[]>(
      `SELECT job_name, job_id, not_before FROM outbox WHERE payload->>'timerId' = $1`,
      [timer.id],
    );
    expect(outbox).toEqual([
      { job_name: 'fire-timer', job_id: `timer-${timer.id}`, not_before: new Date(T0 + 300_000) },
    ]);
    // When the timer is delivered twice
    clock.advance(300_000);
    expect(await runtime.fireTimer(timer.id)).toBe(true);
    expect(await runtime.fireTimer(timer.id)).toBe(false);
    clock.set(T0);
    // Then the task after it exists once
    expect((await tasksOf(instance.id)).map((t) => t.element_id)).toEqual(['After']);
  });

  it('refuses UPDATE and DELETE on the audit trail, and verify names a tampered event', async () => {
    await deployments.deploy('audited.bpmn', bpmn.sequence('audited', ['A']), 'integrator');
    const instance = await runtime.start({ templateKey: 'audited' }, 'someone');
    await expect(
      dataSource.query(`UPDATE audit_events SET actor = 'x' WHERE instance_id = $1`, [instance.id]),
    ).rejects.toThrow(/append-only/);
    await expect(
      dataSource.query(`DELETE FROM audit_events WHERE instance_id = $1`, [instance.id]),
    ).rejects.toThrow(/append-only/);
    // Given someone who can switch the trigger off rewrites an event
    const [target] = await dataSource.query<{ id: string; seq: number }[]>(
      `SELECT id, seq FROM audit_events WHERE instance_id = $1 ORDER BY seq LIMIT 1 OFFSET 1`,
      [instance.id],
    );
    await dataSource.transaction(async (manager) => {
      await manager.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
      await manager.query(`UPDATE audit_events SET actor = 'forged' WHERE id = $1`, [target.id]);
      await manager.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
    });
    // Then verification names that event as the first broken link
    const result = await verifyAudit(dataSource.manager, { stream: instance.id });
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual(
      expect.objectContaining({ id: String(target.id), seq: target.seq }),
    );
  });

  it('stores values with quotes, backslashes and placeholders as given, and the chain verifies', async () => {
    await deployments.deploy('quoting.bpmn', bpmn.sequence('quoting', ['A', 'B']), 'integrator');
    const instance = await runtime.start({ templateKey: 'quoting' }, "o'brien");
    const [task] = await tasksOf(instance.id);
    const tricky = {
      quote: "it's",
      backslash: 'C:\\branch\\minutes',
      placeholder: '$1 $2 $$',
      text: '支部书记 🚩',
      nested: { list: ["a'b", '\\', null], n: 1.5 },
    };
    // When a task is completed with them (the step's writes go as inlined literals)
    const done = await runtime.completeTask(task.id, tricky, "o'brien\\");
    // Then the instance, the task row and the audit trail hold exactly those values
    expect(done.variables).toEqual(tricky);
    const [row] = await dataSource.query<{ variables: unknown; completed_by: string }[]>(
      `SELECT variables, completed_by FROM tasks WHERE id = $1`,
      [task.id],
    );
    expect(row).toEqual({ variables: tricky, completed_by: "o'brien\\" });
    const [stored] = await dataSource.query<{ variables: unknown }[]>(
      `SELECT variables FROM process_instances WHERE id = $1`,
      [instance.id],
    );
    expect(stored.variables).toEqual(tricky);
    expect((await verifyAudit(dataSource.manager, { stream: instance.id })).ok).toBe(true);
  });

  it('writes a step too big for one statement (a 2,500-branch fork) in full', async () => {
    const branches = Array.from({ length: 2500 }, (_, i) => `B${i}`);
    await deployments.deploy('wide.bpmn', bpmn.parallel('wide', branches, 'After'), 'integrator');
    // When an instance starts (its writes exceed PostgreSQL's 65,535 parameters per statement)
    const instance = await runtime.start({ templateKey: 'wide' }, 'someone');
    // Then every task row, the answer and the audit chain are there
    expect(instance.openTasks).toHaveLength(2500);
    const tasks = await tasksOf(instance.id);
    expect(tasks).toHaveLength(2500);
    expect(new Set(tasks.map((t) => t.id))).toEqual(new Set(instance.openTasks!.map((t) => t.id)));
    // And a completion in it lists the other 2,499 branches
    const done = await runtime.completeTask(tasks[0].id, {}, 'someone', { openTasks: true });
    expect(done.openTasks).toHaveLength(2499);
    expect((await verifyAudit(dataSource.manager, { stream: instance.id })).ok).toBe(true);
  });
});
