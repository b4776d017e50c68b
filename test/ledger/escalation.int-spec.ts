import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { EscalationService, MaintenanceProcessor } from '../../apps/worker/src/index.js';
import {
  DAY,
  HOUR,
  type LedgerHarness,
  type LedgerUser,
  errorOf,
  itemOf,
  listOf,
  monthTaskBpmn,
  startLedger,
} from './support/harness.js';

/**
 * A theme-day month that goes overdue: the item is escalated (督办) one level up the tree per
 * LEDGER_ESCALATION_EVERY — the general branch, then the committee, then the committee again —
 * each counted, notified to the right people and audited; a sweep delivered twice escalates once.
 */
describe('ledger: overdue escalation up the tree', () => {
  let h: LedgerHarness;
  let secretaryA: LedgerUser;
  let secretaryB: LedgerUser;
  let supervisorGeneral: LedgerUser;
  let secretaryGeneral: LedgerUser;
  let supervisorCommittee: LedgerUser;
  let sweep: EscalationService;

  beforeAll(async () => {
    h = await startLedger('esc', { worker: true, env: { LEDGER_ESCALATION_EVERY: 'P1D' } });
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    secretaryB = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    secretaryGeneral = await h.user('刘总支书记', [
      { role: 'secretary', orgUnitId: h.org.general },
    ]);
    supervisorCommittee = await h.user('周组织部', [
      { role: 'supervisor', orgUnitId: h.org.committee },
    ]);
    sweep = h.worker!.get(EscalationService);
    await h.deploy('theme-esc', monthTaskBpmn('theme-esc'));
  });

  afterAll(async () => {
    await h?.close();
  });

  const notificationsOf = async (cause: string) =>
    (
      await h.dataSource.query<{ recipient: string; kind: string; title: string }[]>(
        `SELECT recipient, kind, title FROM notifications WHERE dedupe_key = $1 OR dedupe_key LIKE $2
          ORDER BY recipient`,
        [cause, `${cause}/%`],
      )
    ).map((row) => row.recipient);

  it('escalates an overdue month to the general branch, then the committee, once per day', async () => {
    // Given the month's theme day of branch A, due on the last day of March
    h.clock.set(Date.parse('2026-03-01T00:00:00+08:00'));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-esc',
        orgUnitId: h.org.branchA,
        variables: { dueAt: '2026-03-31T18:00:00+08:00' },
      },
      'system:schedule',
    );
    const [{ id: itemId }] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM ledger_items WHERE instance_id = $1`,
      [instance.id],
    );
    const get = async () => itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${itemId}`));

    // When the month runs: green, then yellow within three days, nothing to escalate at the due time
    h.clock.set(Date.parse('2026-03-28T17:59:59+08:00'));
    expect((await get()).light).toBe('green');
    h.clock.set(Date.parse('2026-03-28T18:00:00+08:00'));
    expect((await get()).light).toBe('yellow');
    h.clock.set(Date.parse('2026-03-31T18:00:00+08:00'));
    expect(await sweep.sweep()).toBe(0);
    expect((await get()).light).toBe('yellow');

    // Then the morning after, two sweeps at once (a job delivered twice) escalate once
    h.clock.set(Date.parse('2026-04-01T09:00:00+08:00'));
    const first = await Promise.all([sweep.sweep(), sweep.sweep()]);
    expect(first[0] + first[1]).toBe(1);
    expect(await h.worker!.get(MaintenanceProcessor).handle('ledger-escalate')).toEqual({
      escalated: 0,
    });
    expect(await get()).toMatchObject({
      state: 'open',
      light: 'red',
      overdue: true,
      escalations: 1,
      escalatedTo: h.org.general,
      escalatedAt: new Date(h.clock.now()).toISOString(),
    });
    // To the supervisors and secretaries of the general branch (the assessing unit)
    expect(await notificationsOf(`ledger-escalation-${itemId}-1`)).toEqual(
      [`user:${secretaryGeneral.userId}`, `user:${supervisorGeneral.userId}`].sort(),
    );

    // Not again within the day
    h.clock.advance(12 * HOUR);
    expect(await sweep.sweep()).toBe(0);

    // A day later: one level up, the committee (no secretary there: its supervisor only)
    h.clock.set(Date.parse('2026-04-02T09:00:00+08:00'));
    expect(await sweep.sweep()).toBe(1);
    expect(await get()).toMatchObject({ escalations: 2, escalatedTo: h.org.committee });
    expect(await notificationsOf(`ledger-escalation-${itemId}-2`)).toEqual([
      `user:${supervisorCommittee.userId}`,
    ]);

    // The root is the top: the third escalation stays there
    h.clock.advance(DAY);
    expect(await sweep.sweep()).toBe(1);
    const third = await get();
    expect(third).toMatchObject({ escalations: 3, escalatedTo: h.org.committee });
    expect(third.entries.filter((e) => e.kind === 'escalated').map((e) => e.data)).toEqual([
      { escalatedTo: h.org.general, escalations: 1 },
      { escalatedTo: h.org.committee, escalations: 2 },
      { escalatedTo: h.org.committee, escalations: 3 },
    ]);
    const audit = await h.dataSource.query<{ type: string; actor: string; data: object }[]>(
      `SELECT type, actor, data FROM audit_events WHERE stream = $1 AND type = 'ledger.escalated' ORDER BY seq`,
      [instance.id],
    );
    expect(audit).toEqual([
      {
        type: 'ledger.escalated',
        actor: 'system:ledger-escalation',
        data: { itemId, escalatedTo: h.org.general, escalations: 1 },
      },
      {
        type: 'ledger.escalated',
        actor: 'system:ledger-escalation',
        data: { itemId, escalatedTo: h.org.committee, escalations: 2 },
      },
      {
        type: 'ledger.escalated',
        actor: 'system:ledger-escalation',
        data: { itemId, escalatedTo: h.org.committee, escalations: 3 },
      },
    ]);

    // The supervisors' overdue board shows it; another branch's secretary may not look there
    const board = listOf(await supervisorCommittee.http.get('/api/ledger/overdue'));
    expect(board.items.map((i) => [i.id, i.escalations])).toEqual([[itemId, 3]]);
    expect(listOf(await secretaryA.http.get('/api/ledger/overdue')).items.map((i) => i.id)).toEqual(
      [itemId],
    );
    expect(listOf(await secretaryB.http.get('/api/ledger/overdue')).total).toBe(0);
    const refused = await secretaryB.http
      .get('/api/ledger/overdue')
      .query({ orgUnitId: h.org.branchA });
    // Out of scope is absent: answered as an unknown unit
    expect(refused.status).toBe(400);
    expect(errorOf(refused).details).toEqual([
      { field: 'orgUnitId', message: 'orgUnitId：未找到该党组织' },
    ]);

    // Once the task is done the item is submitted and escalation stops
    const [{ id: taskId }] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1`,
      [instance.id],
    );
    await h.runtime.completeTask(taskId, { held: true }, secretaryA.userId);
    h.clock.advance(2 * DAY);
    expect(await sweep.sweep()).toBe(0);
    expect((await get()).state).toBe('submitted');
  });

  it('escalates an overdue task once: through its ledger item when the instance has an org unit, by the task sweep when it has none', async () => {
    h.clock.set(Date.parse('2026-05-01T00:00:00+08:00'));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-esc',
        orgUnitId: h.org.branchB,
        variables: { dueAt: '2026-05-10T18:00:00+08:00' },
      },
      'test',
    );
    const withoutUnit = await h.runtime.start(
      { templateKey: 'theme-esc', variables: { dueAt: '2026-05-10T18:00:00+08:00' } },
      'test',
    );
    const taskAndItem = async (instanceId: string) => {
      const [row] = await h.dataSource.query<
        { task_id: string; task_escalations: number; item_id: string; item_escalations: number }[]
      >(
        `SELECT t.id AS task_id, t.escalations AS task_escalations, l.id AS item_id,
                l.escalations AS item_escalations
           FROM tasks t JOIN ledger_items l ON l.task_id = t.id WHERE t.instance_id = $1`,
        [instanceId],
      );
      return row;
    };
    const notices = async (instanceId: string) =>
      h.dataSource.query<{ dedupe_key: string; recipient: string }[]>(
        // The cause (a recipient after the first gets `<cause>/<recipient>`)
        `SELECT split_part(dedupe_key, '/', 1) AS dedupe_key, recipient FROM notifications
          WHERE instance_id = $1 AND kind = 'escalation' ORDER BY dedupe_key, recipient`,
        [instanceId],
      );
    const auditTypes = async (instanceId: string) =>
      (
        await h.dataSource.query<{ type: string }[]>(
          `SELECT type FROM audit_events WHERE instance_id = $1 AND type LIKE '%escalated' ORDER BY seq`,
          [instanceId],
        )
      ).map((row) => row.type);

    // When both are overdue and the one sweep of tasks and items runs three times (as on
    // several workers): the first round escalates both, the others nothing
    h.clock.set(Date.parse('2026-05-11T09:00:00+08:00'));
    expect(await sweep.sweep()).toBe(2);
    expect(await sweep.sweep()).toBe(0);
    expect(await sweep.sweep()).toBe(0);

    // Then the task in branch B was escalated once, through its ledger item: one level up, to
    // the general branch's secretary and supervisor; the task sweep left it alone
    const inUnit = await taskAndItem(instance.id);
    expect(inUnit).toMatchObject({ task_escalations: 0, item_escalations: 1 });
    expect(await notices(instance.id)).toEqual(
      [secretaryGeneral, supervisorGeneral]
        .map((user) => ({
          dedupe_key: `ledger-escalation-${inUnit.item_id}-1`,
          recipient: `user:${user.userId}`,
        }))
        .sort((a, b) => a.recipient.localeCompare(b.recipient)),
    );
    expect(await auditTypes(instance.id)).toEqual(['ledger.escalated']);

    // And the task without an org unit was escalated by the task sweep, to the supervisors'
    // group; the ledger left its item alone (there is no tree to climb)
    const noUnit = await taskAndItem(withoutUnit.id);
    expect(noUnit).toMatchObject({ task_escalations: 1, item_escalations: 0 });
    expect(await notices(withoutUnit.id)).toEqual([
      { dedupe_key: `escalation-${noUnit.task_id}-1`, recipient: 'group:supervisor' },
    ]);
    expect(await auditTypes(withoutUnit.id)).toEqual(['task.escalated']);

    // Leave both done so that later sweeps have nothing of theirs
    await h.runtime.completeTask(inUnit.task_id, { held: true }, 'test');
    await h.runtime.completeTask(noUnit.task_id, { held: true }, 'test');
  });

  it('an overdue task with a ledger item, swept twice a day: one escalation and one notice a day', async () => {
    // Given a theme day of branch B due on 10 June, its task carried by a ledger item
    h.clock.set(Date.parse('2026-06-01T00:00:00+08:00'));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-esc',
        orgUnitId: h.org.branchB,
        variables: { dueAt: '2026-06-10T18:00:00+08:00' },
      },
      'test',
    );
    const escalations = async () => {
      const [row] = await h.dataSource.query<
        { task_id: string; task: number; item_id: string; item: number }[]
      >(
        `SELECT t.id AS task_id, t.escalations AS task, l.id AS item_id, l.escalations AS item
           FROM tasks t JOIN ledger_items l ON l.task_id = t.id WHERE t.instance_id = $1`,
        [instance.id],
      );
      return row;
    };
    const causes = async () =>
      (
        await h.dataSource.query<{ cause: string }[]>(
          `SELECT DISTINCT split_part(dedupe_key, '/', 1) AS cause FROM notifications
            WHERE instance_id = $1 AND kind = 'escalation' ORDER BY 1`,
          [instance.id],
        )
      ).map((row) => row.cause);
    const escalatedEvents = async () =>
      (
        await h.dataSource.query<{ type: string }[]>(
          `SELECT type FROM audit_events WHERE instance_id = $1 AND type LIKE '%escalated' ORDER BY seq`,
          [instance.id],
        )
      ).map((row) => row.type);

    // When the sweep runs in the morning and in the evening of the day after, through the
    // maintenance job as the scheduler runs it
    const run = async (at: string) => {
      h.clock.set(Date.parse(at));
      return h.worker!.get(MaintenanceProcessor).handle('escalate-overdue');
    };
    expect(await run('2026-06-11T09:00:00+08:00')).toEqual({ escalated: 1 });
    expect(await run('2026-06-11T21:00:00+08:00')).toEqual({ escalated: 0 });

    // Then the task was escalated once, through its item: one count, one notice (one cause,
    // to the general branch's people), one audit event
    const { task_id: taskId, item_id: itemId, ...counts } = await escalations();
    expect(counts).toEqual({ task: 0, item: 1 });
    expect(await causes()).toEqual([`ledger-escalation-${itemId}-1`]);
    expect(await escalatedEvents()).toEqual(['ledger.escalated']);

    // And the next day's two sweeps escalate it once more, not twice
    expect(await run('2026-06-12T09:00:00+08:00')).toEqual({ escalated: 1 });
    expect(await run('2026-06-12T21:00:00+08:00')).toEqual({ escalated: 0 });
    expect(await escalations()).toMatchObject({ task: 0, item: 2 });
    expect(await causes()).toEqual([
      `ledger-escalation-${itemId}-1`,
      `ledger-escalation-${itemId}-2`,
    ]);
    expect(await escalatedEvents()).toEqual(['ledger.escalated', 'ledger.escalated']);

    // Leave it done so that later sweeps have nothing of it
    await h.runtime.completeTask(taskId, { held: true }, 'test');
  });

  it('the real theme-day template: a plan not made by the 5th is escalated to the general branch', async () => {
    await h.deploy('theme-day', readFileSync('process-templates/theme-day.bpmn', 'utf8'));
    // Given May's theme day of branch A, started as the monthly kick-off starts it
    h.clock.set(Date.parse('2026-05-01T00:00:00+08:00'));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-day',
        businessKey: `theme-day:${h.org.branchA}:2026-05`,
        orgUnitId: h.org.branchA,
        variables: { branchId: h.org.branchA, month: '2026-05', memberCount: 0, memberIds: [] },
      },
      'system:schedule',
    );
    const [plan] = await h.dataSource.query<{ id: string; due_at: Date; standard: string }[]>(
      `SELECT id, due_at, standard FROM ledger_items WHERE instance_id = $1`,
      [instance.id],
    );
    // The plan's item carries the template's standard and is due at the end of the 5th
    expect(plan.due_at.toISOString()).toBe('2026-05-05T15:59:59.000Z');
    expect(plan.standard).toContain('5日前');
    // When the 5th passes without a plan, the sweep escalates it to the general branch
    h.clock.set(Date.parse('2026-05-06T09:00:00+08:00'));
    await sweep.sweep();
    expect(itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${plan.id}`))).toMatchObject({
      title: '确定主题和活动方案',
      orgUnitId: h.org.branchA,
      assessingUnitId: h.org.general,
      light: 'red',
      escalations: 1,
      escalatedTo: h.org.general,
    });
    expect(await notificationsOf(`ledger-escalation-${plan.id}-1`)).toEqual(
      [`user:${secretaryGeneral.userId}`, `user:${supervisorGeneral.userId}`].sort(),
    );
    // And once the secretary makes the plan, the item is submitted and escalates no more
    const [task] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
      [instance.id],
    );
    const done = await secretaryA.http.post(`/api/tasks/${task.id}/complete`).send({
      variables: {
        theme: '学习党章',
        activityDate: '2026-05-20',
        startTime: '2026-05-20T14:30',
        place: '活动室',
        plan: '集体学习',
      },
    });
    expect(done.status).toBe(200);
    h.clock.set(Date.parse('2026-05-08T09:00:00+08:00'));
    await sweep.sweep();
    expect(itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${plan.id}`))).toMatchObject({
      state: 'submitted',
      escalations: 1,
    });
  });
});
