import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { LedgerStore } from '@app/ledger';
import { OrgDirectory } from '@app/org';
import { QueueName } from '@app/queue';
import { DefinitionCache, InstanceRuntime, JOBS_AHEAD_MS } from '@app/store';
import { STEP_PROJECTORS } from '@app/runtime';
import {
  EscalationService,
  JobHandlerRegistry,
  type ReconcileReport,
  Reconciler,
} from '../../apps/worker/src/index.js';
import { flows } from './support/bpmn.js';
import { FAST_RETRIES, type Harness, startHarness, waitFor } from './support/harness.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The cluster-wide sweeps: overdue escalation and the reconciler. */
describe('worker maintenance: escalation and reconciliation', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('maint', {
      jobOptions: FAST_RETRIES,
      env: {
        RECONCILE_INTERVAL_MS: '250',
        // Escalation rounds are run by hand here; the schedule's own ticks are an hour apart.
        ESCALATION_INTERVAL_MS: String(HOUR),
        REMINDER_OFFSETS: 'PT30M',
        // Deployed before its handler is registered (a worker that starts later serves it)
        SERVICE_TASK_TYPES: 'late-handler',
        // Escalation counted from the due time alone (the grace is escalation-grace.int-spec's)
        LEDGER_GRACE_DAYS: '0',
        LEDGER_ROLLUP_INTERVAL_MS: '1000',
      },
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await h?.close();
  });

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const [row] = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (${sql}) s`,
      params,
    );
    return row.n;
  };
  const reminded = (instanceId: string) =>
    count(`SELECT 1 FROM notifications WHERE instance_id = $1 AND kind = 'reminder'`, [instanceId]);
  const instanceState = async (id: string) =>
    (
      await h.dataSource.query<{ state: string }[]>(
        `SELECT state FROM process_instances WHERE id = $1`,
        [id],
      )
    )[0]?.state;

  it('escalates an overdue task once per round, again a day later, and never a completed one', async () => {
    await h.deploy(
      'overdue.bpmn',
      flows.userTask('wm-overdue', { name: '组织生活会', assignee: 'zhao', dueDate: 'PT1H' }),
    );
    const overdue = await h.runtime.start({ templateKey: 'wm-overdue' }, 'test');
    const done = await h.runtime.start({ templateKey: 'wm-overdue' }, 'test');
    const taskOf = async (instanceId: string) =>
      (
        await h.dataSource.query<{ id: string; escalations: number; escalated_at: Date | null }[]>(
          `SELECT id, escalations, escalated_at FROM tasks WHERE instance_id = $1`,
          [instanceId],
        )
      )[0];
    await h.runtime.completeTask((await taskOf(done.id)).id, {}, 'zhao');
    const escalation = h.get(EscalationService);
    const task = await taskOf(overdue.id);
    const start = h.clock.now();
    try {
      // Not yet due: nothing
      expect(await escalation.sweep()).toBe(0);
      // When two workers run a round at once, two hours after it fell due
      h.clock.advance(2 * HOUR);
      const first = await Promise.all([escalation.sweep(), escalation.sweep()]);
      // Then it was escalated once
      expect(first[0] + first[1]).toBe(1);
      expect(await taskOf(overdue.id)).toEqual({
        id: task.id,
        escalations: 1,
        escalated_at: new Date(h.clock.now()),
      });
      // And a later round the same day does nothing
      h.clock.advance(HOUR);
      expect(await escalation.sweep()).toBe(0);
      // And a day after the first escalation it is escalated again
      h.clock.advance(DAY - HOUR);
      expect(await escalation.sweep()).toBe(1);
      expect((await taskOf(overdue.id)).escalations).toBe(2);
    } finally {
      h.clock.set(start);
    }
    // Each escalation notified the supervisors and left one audit event
    const notes = await h.dataSource.query<
      { recipient: string; dedupe_key: string; kind: string }[]
    >(
      `SELECT recipient, dedupe_key, kind FROM notifications WHERE task_id = $1 AND kind = 'escalation' ORDER BY dedupe_key`,
      [task.id],
    );
    expect(notes).toEqual([
      { recipient: 'group:supervisor', dedupe_key: `escalation-${task.id}-1`, kind: 'escalation' },
      { recipient: 'group:supervisor', dedupe_key: `escalation-${task.id}-2`, kind: 'escalation' },
    ]);
    const events = await h.dataSource.query<{ data: object }[]>(
      `SELECT data FROM audit_events WHERE instance_id = $1 AND type = 'task.escalated' ORDER BY seq`,
      [overdue.id],
    );
    expect(events).toEqual([
      { data: { taskId: task.id, escalations: 1 } },
      { data: { taskId: task.id, escalations: 2 } },
    ]);
    expect(
      await count(`SELECT 1 FROM tasks WHERE instance_id = $1 AND escalations > 0`, [done.id]),
    ).toBe(0);
    // Leave the task done so it does not escalate in the next test
    await h.runtime.completeTask(task.id, {}, 'zhao');
  });

  it('after Redis loses every job, delivers due timers, lost jobs and undelivered outbox rows again', async () => {
    await h.deploy('later.bpmn', flows.timerThenService('wm-later', 'PT1H', 'noop'));
    await h.deploy('now.bpmn', flows.service('wm-now', 'noop'));
    await h.deploy('due.bpmn', flows.userTask('wm-due', { assignee: 'qian', dueDate: 'PT2H' }));
    // Given an instance waiting on a one-hour timer (its job delayed in Redis)
    const waiting = await h.runtime.start({ templateKey: 'wm-later' }, 'test');
    // And one whose service-task job is still in the outbox: its process died before enqueueing
    const crashed = new InstanceRuntime(
      h.dataSource,
      new DefinitionCache(h.dataSource, 0),
      h.clock,
      {
        timeZone: h.env.TIME_ZONE,
        reminderOffsets: h.env.reminderOffsets,
        projectors: STEP_PROJECTORS,
      },
      null,
    );
    const undelivered = await crashed.start({ templateKey: 'wm-now' }, 'test');
    expect(
      await count(
        `SELECT 1 FROM outbox WHERE delivered_at IS NULL AND payload->>'instanceId' = $1`,
        [undelivered.id],
      ),
    ).toBe(1);
    // And a task due in two hours, its reminder (30 min before) delayed in Redis
    const due = await h.runtime.start({ templateKey: 'wm-due' }, 'test');
    // And a service task whose handler is not deployed yet: its job is failing
    await h.deploy('pending.bpmn', flows.service('wm-pending', 'late-handler'));
    const pending = await h.runtime.start({ templateKey: 'wm-pending' }, 'test');
    const [pendingTask] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1`,
      [pending.id],
    );
    const advance = h.queue(QueueName.Advance);
    await waitFor('the first failure', async () => {
      const job = await advance.getJob(`job-${pendingTask.id}`);
      return (job?.attemptsMade ?? 0) > 0;
    });
    // The reconciler's reports, as it returns them: the maintenance queue keeps only its last
    // 100 completed jobs (one each 250 ms here), and a sweep running while the keys go cannot
    // record its completion, so the queue's history may miss the sweep that did the work
    const reports: ReconcileReport[] = [];
    const reconciler = h.get(Reconciler);
    const sweep = reconciler.sweep.bind(reconciler);
    jest.spyOn(reconciler, 'sweep').mockImplementation(async () => {
      const report = await sweep();
      reports.push(report);
      return report;
    });
    // When Redis loses every key of this worker, and the clock moves past all of them
    expect(await h.deleteQueueKeys()).toBeGreaterThan(0);
    h.clock.advance(2 * HOUR);
    h.get(JobHandlerRegistry).register('late-handler', () => Promise.resolve({ late: true }));
    // Then the reconciler (its schedule restored) brings everything back from PostgreSQL
    await waitFor(
      'the timer instance',
      async () => (await instanceState(waiting.id)) === 'completed',
    );
    await waitFor(
      'the outbox instance',
      async () => (await instanceState(undelivered.id)) === 'completed',
    );
    await waitFor(
      'the service task',
      async () => (await instanceState(pending.id)) === 'completed',
    );
    await waitFor('the reminder', async () => (await reminded(due.id)) === 1);
    expect(
      await count(
        `SELECT 1 FROM outbox WHERE delivered_at IS NULL AND payload->>'instanceId' = $1`,
        [undelivered.id],
      ),
    ).toBe(0);
    // And it was the reconciler that did it: its schedule is back — the worker checks it every
    // interval; once (CI, under load) it was missing at this point, just after a sweep that ran
    // as the keys went failed to finish its job ('Missing key for job repeat:reconcile:…') —
    // and its reports say so
    const maintenance = h.queue(QueueName.Maintenance);
    await waitFor(
      'the reconciler’s schedule',
      async () => (await maintenance.getJobScheduler('reconcile'))?.every === 250,
    );
    const total = (key: keyof ReconcileReport) =>
      reports.reduce((sum, report) => sum + report[key], 0);
    expect(total('timers')).toBeGreaterThanOrEqual(1);
    expect(total('outbox')).toBeGreaterThanOrEqual(1);
    expect(total('reminders')).toBeGreaterThanOrEqual(1);
    expect(total('serviceTasks')).toBeGreaterThanOrEqual(1);
    expect(
      await count(`SELECT 1 FROM audit_events WHERE instance_id = $1 AND type = 'timer.fired'`, [
        waiting.id,
      ]),
    ).toBe(1);
  });

  it('enqueues a timer and a reminder written further ahead than JOBS_AHEAD_MS only when they come within its horizon', async () => {
    await h.deploy('far.bpmn', flows.timerThenService('wm-far', 'PT1H', 'noop'));
    await h.deploy(
      'far-due.bpmn',
      flows.userTask('wm-far-due', { assignee: 'qian', dueDate: 'PT2H' }),
    );
    // Given a timer due in an hour and a reminder in 90 minutes (30 min before a task's due)
    expect(JOBS_AHEAD_MS).toBeLessThan(HOUR);
    const waiting = await h.runtime.start({ templateKey: 'wm-far' }, 'test');
    const due = await h.runtime.start({ templateKey: 'wm-far-due' }, 'test');
    const [timer] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM timers WHERE instance_id = $1`,
      [waiting.id],
    );
    const [task] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1`,
      [due.id],
    );
    // Then neither has an outbox row nor a job, sweep after sweep (every 250 ms here)
    for (let i = 0; i < 3; i += 1) await h.get(Reconciler).sweep();
    expect(
      await count(
        `SELECT 1 FROM outbox WHERE payload->>'timerId' = $1 OR payload->>'taskId' = $2`,
        [timer.id, task.id],
      ),
    ).toBe(0);
    const timers = h.queue(QueueName.Timers);
    const reminders = h.queue(QueueName.Reminders);
    expect(await timers.getJobState(`timer-${timer.id}`)).toBe('unknown');
    expect(await reminders.getJobState(`reminder-${task.id}-PT30M`)).toBe('unknown');
    // When the clock comes within a sweep's horizon of the timer (250 ms)
    h.clock.advance(HOUR - 100);
    // Then a sweep enqueues it and it fires; the reminder, an hour and a half ahead, still waits
    await waitFor('the timer', async () => (await instanceState(waiting.id)) === 'completed');
    expect(await reminders.getJobState(`reminder-${task.id}-PT30M`)).toBe('unknown');
    // And so does the reminder when its time comes near
    h.clock.advance(HOUR / 2);
    await waitFor('the reminder', async () => (await reminded(due.id)) === 1);
    h.clock.advance(-(HOUR + HOUR / 2 - 100));
  });

  it('brings the roll-up counters up to date on its schedule, with no one reading them', async () => {
    await new OrgDirectory(h.dataSource, h.clock).createUnit({
      id: 'wm-rollup',
      parentId: null,
      kind: 'committee',
      name: '党委',
    });
    const item = await h.get(LedgerStore).create(
      {
        list: 'problem',
        title: '整改事项',
        standard: '标准',
        orgUnitId: 'wm-rollup',
        responsible: '书记',
        assessingUnitId: 'wm-rollup',
        dueAt: h.clock.now() + DAY,
      },
      'tester',
    );
    expect(await h.queue(QueueName.Maintenance).getJobScheduler('ledger-rollup')).toEqual(
      expect.objectContaining({ every: 1000 }),
    );
    // The item's change was noted; the job refreshes its facts and folds the deltas
    await waitFor(
      'the refresh',
      async () =>
        (await count(`SELECT 1 FROM ledger_rollup_item_facts WHERE item_id = $1`, [item.id])) > 0,
    );
    await waitFor(
      'the fold',
      async () =>
        (await count(
          `SELECT 1 FROM ledger_rollup_counts WHERE org_unit_id = 'wm-rollup' AND opened = 1`,
          [],
        )) > 0,
    );
    expect(await count(`SELECT 1 FROM ledger_rollup_dirty WHERE item_id = $1`, [item.id])).toBe(0);
  });
});
