import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { JsonValue } from '@app/feel';
import { EscalationService, RunJobProcessor } from '../../apps/worker/src/index.js';
import {
  DAY,
  type LedgerHarness,
  type LedgerUser,
  errorOf,
  itemOf,
  listOf,
  monthTaskBpmn,
  startLedger,
} from './support/harness.js';

const at = (text: string) => Date.parse(text);

/**
 * What a first real use of the ledger got wrong (issue 14, part 7), through the real api and
 * worker: the theme day's 上级审核销号 crosses off its file, a step opened after its deadline gets
 * LEDGER_GRACE_DAYS before it is overdue or escalated, and supervisors close items in bulk.
 */
describe('ledger: approval of the file, grace, bulk 销号', () => {
  let h: LedgerHarness;
  let secretaryA: LedgerUser;
  let supervisorGeneral: LedgerUser;
  let supervisorOther: LedgerUser;
  let member: LedgerUser;

  beforeAll(async () => {
    h = await startLedger('approval', {
      worker: true,
      env: { LEDGER_BULK_VERIFY_MAX: '3', LEDGER_GRACE_DAYS: '3' },
    });
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    supervisorOther = await h.user('赵组织部', [
      { role: 'supervisor', orgUnitId: h.org.otherCommittee },
    ]);
    member = await h.user('甲一', [], { orgUnitId: h.org.branchA });
    await h.deploy(
      'theme-day',
      readFileSync(new URL('../../process-templates/theme-day.bpmn', import.meta.url), 'utf8'),
    );
    await h.deploy('theme-grace', monthTaskBpmn('theme-grace'));
  });

  afterAll(async () => {
    await h?.close();
  });

  interface ItemRow {
    id: string;
    element: string;
    state: string;
  }

  const itemsOf = (instanceId: string) =>
    h.dataSource.query<ItemRow[]>(
      `SELECT l.id, t.element_id AS element, l.state::text AS state
         FROM ledger_items l JOIN tasks t ON t.id = l.task_id
        WHERE l.instance_id = $1 ORDER BY l.created_at, t.element_id, l.id`,
      [instanceId],
    );

  const closedEntries = (itemIds: readonly string[]) =>
    h.dataSource.query<{ item_id: string; actor: string }[]>(
      `SELECT item_id, actor FROM ledger_entries WHERE kind = 'closed' AND item_id = ANY($1::uuid[])
        ORDER BY item_id`,
      [itemIds],
    );

  const openTask = async (instanceId: string, elementId: string): Promise<string> => {
    const rows = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE instance_id = $1 AND element_id = $2 AND state = 'open'`,
      [instanceId, elementId],
    );
    expect(rows).toHaveLength(1);
    return rows[0].id;
  };

  const complete = async (
    instanceId: string,
    elementId: string,
    variables: Record<string, JsonValue>,
    actor: string,
  ) => {
    await h.runtime.completeTask(await openTask(instanceId, elementId), variables, actor);
  };

  /** A theme day of branch A up to the supervisor's check, with one rejected submission. */
  async function upToCheck(month: string) {
    h.clock.set(at(`${month}-01T00:00:00+08:00`));
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-day',
        orgUnitId: h.org.branchA,
        variables: {
          branchId: h.org.branchA,
          month,
          memberCount: 1,
          memberIds: [member.memberId],
        },
      },
      'system:schedule',
    );
    const id = instance.id;
    h.clock.set(at(`${month}-03T09:00:00+08:00`));
    await complete(id, 'Task_Plan', { theme: '学习党章', plan: '六项规定动作' }, secretaryA.userId);
    await complete(id, 'Task_ApprovePlan', { approved: true }, secretaryA.userId);
    // The notice is the worker's job
    const notify = await openTask(id, 'Task_NotifyMembers');
    expect(
      await h
        .worker!.get(RunJobProcessor)
        .handle({ instanceId: id, taskId: notify }, { attemptsMade: 0, attempts: 1 }),
    ).toBe('completed');
    h.clock.set(at(`${month}-20T17:00:00+08:00`));
    await complete(
      id,
      'Task_Record',
      { attendance: [member.memberId], heldOn: `${month}-20`, recordNotes: '记录' },
      secretaryA.userId,
    );
    await complete(id, 'Task_Reflection', { reflection: '感悟' }, member.userId);
    await complete(id, 'Task_Evaluate', { evaluation: '好' }, secretaryA.userId);
    return id;
  }

  const completeCheck = (user: LedgerUser, taskId: string, approved: boolean) =>
    user.http
      .post(`/api/tasks/${taskId}/complete`)
      .send({ variables: approved ? { approved } : { approved, comment: '记录不全' } });

  it('crosses off the submitted items of a theme day when the supervisor approves it, leaving a rejected one open', async () => {
    const instanceId = await upToCheck('2026-03');
    const before = await itemsOf(instanceId);
    const record = before.find((i) => i.element === 'Task_Record')!;
    // The supervisor sends the record back (in progress again)
    h.clock.set(at('2026-03-24T09:00:00+08:00'));
    const rejected = await supervisorGeneral.http
      .post(`/api/ledger/items/${record.id}/reject`)
      .send({ reason: '缺少照片' });
    expect(rejected.status).toBe(200);

    // A first check that does not approve closes nothing
    const first = await openTask(instanceId, 'Task_Check');
    expect((await completeCheck(supervisorGeneral, first, false)).status).toBe(200);
    expect((await itemsOf(instanceId)).filter((i) => i.state === 'closed')).toEqual([]);
    expect(await closedEntries(before.map((i) => i.id))).toEqual([]);
    await complete(instanceId, 'Task_Evaluate', { evaluation: '已完善' }, secretaryA.userId);

    // A secretary may not approve the file (the step is offered to supervisors)
    const second = await openTask(instanceId, 'Task_Check');
    const refused = await completeCheck(secretaryA, second, true);
    expect(refused.status).toBe(403);
    expect((await itemsOf(instanceId)).filter((i) => i.state === 'closed')).toEqual([]);

    // The supervisor approves, twice at once (a double submit): one completion, one 销号 each
    h.clock.set(at('2026-03-25T09:00:00+08:00'));
    const submitted = (await itemsOf(instanceId)).filter((i) => i.state === 'submitted');
    expect(submitted.map((i) => i.element).sort()).toEqual(
      [
        'Task_ApprovePlan',
        'Task_Check',
        'Task_Evaluate',
        'Task_Evaluate',
        'Task_Plan',
        'Task_Reflection',
      ].sort(),
    );
    const answers = await Promise.all([
      completeCheck(supervisorGeneral, second, true),
      completeCheck(supervisorGeneral, second, true),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(errorOf(answers.find((a) => a.status === 409)!).code).toBe('TASK_NOT_OPEN');

    const after = await itemsOf(instanceId);
    const approval = after.find(
      (i) => i.element === 'Task_Check' && !submitted.some((s) => s.id === i.id),
    )!;
    expect(after.filter((i) => i.state !== 'closed').map((i) => [i.id, i.state])).toEqual([
      [record.id, 'in_progress'],
    ]);
    const closedIds = after.filter((i) => i.state === 'closed').map((i) => i.id);
    expect(closedIds).toEqual(expect.arrayContaining([...submitted.map((i) => i.id)]));
    expect(closedIds).toHaveLength(submitted.length + 1);
    expect(closedIds).toContain(approval.id);
    // One closed entry each, by the approving supervisor
    expect(await closedEntries(after.map((i) => i.id))).toEqual(
      closedIds.sort().map((id) => ({ item_id: id, actor: supervisorGeneral.userId })),
    );
    const audit = await h.dataSource.query<{ actor: string; data: { verifies?: string } }[]>(
      `SELECT actor, data FROM audit_events WHERE stream = $1 AND type = 'ledger.closed'`,
      [instanceId],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: supervisorGeneral.userId,
        data: expect.objectContaining({ verifies: 'instance' }),
      }),
    ]);
    const detail = itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${closedIds[0]}`));
    expect(detail).toMatchObject({ state: 'closed', light: null, overdue: false });

    // The month's roll-up, once March is over: closed, only the rejected record still open
    h.clock.set(at('2026-04-02T09:00:00+08:00'));
    const rollup = await supervisorGeneral.http
      .get('/api/ledger/rollup')
      .query({ period: 'month', from: '2026-03', to: '2026-03', orgUnitId: h.org.branchA });
    expect(rollup.status).toBe(200);
    expect((rollup.body as { rows: object[] }).rows).toEqual([
      expect.objectContaining({
        orgUnitId: h.org.branchA,
        period: '2026-03',
        opened: after.length,
        openAtEnd: 1,
        closed: closedIds.length,
      }),
    ]);
  });

  it('refuses at deploy ledger.verifies on a step someone other than a supervisor completes', async () => {
    const marked = (assignment: string, value = 'instance') =>
      monthTaskBpmn('theme-marked').replace(
        '<zeebe:assignmentDefinition candidateGroups="secretary"/>',
        `${assignment}<zeebe:properties><zeebe:property name="ledger.verifies" value="${value}"/></zeebe:properties>`,
      );
    const problems = async (xml: string) => {
      const error = await h.deploy('theme-marked', xml).then(
        () => null,
        (e: unknown) => e as { details?: unknown },
      );
      return JSON.stringify(error?.details ?? null);
    };
    for (const assignment of [
      '<zeebe:assignmentDefinition candidateGroups="secretary"/>',
      '<zeebe:assignmentDefinition candidateGroups="supervisor,secretary"/>',
      '<zeebe:assignmentDefinition assignee="=assignee" candidateGroups="supervisor"/>',
      '<zeebe:assignmentDefinition candidateGroups="=groups"/>',
      '',
    ]) {
      expect(await problems(marked(assignment))).toMatch(
        /HoldDay.*ledger\.verifies .*needs a step only supervisors complete/,
      );
    }
    expect(
      await problems(marked('<zeebe:assignmentDefinition candidateGroups="supervisor"/>', 'all')),
    ).toMatch(/HoldDay.*ledger\.verifies must be 'instance'/);
    await h.deploy(
      'theme-marked',
      marked('<zeebe:assignmentDefinition candidateGroups="supervisor, supervisor@approving"/>'),
    );
  });

  it('gives a step opened after its deadline LEDGER_GRACE_DAYS before it is overdue or escalated', async () => {
    // A branch's first theme day starts on the 20th; its plan was due on the 5th
    const opened = at('2026-05-20T10:00:00+08:00');
    h.clock.set(opened);
    const instance = await h.runtime.start(
      {
        templateKey: 'theme-grace',
        orgUnitId: h.org.branchA,
        variables: { dueAt: '2026-05-05T23:59:59+08:00' },
      },
      'system:schedule',
    );
    const [{ id: itemId }] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM ledger_items WHERE instance_id = $1`,
      [instance.id],
    );
    const sweep = h.worker!.get(EscalationService);
    const get = async () => itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${itemId}`));
    const overdueIds = async () =>
      listOf(await supervisorGeneral.http.get('/api/ledger/overdue')).items.map((i) => i.id);

    // Born: not red, not overdue, not escalated — nor a minute later, nor at the grace's end
    // (the sweep looks at every item: March's rejected record, still open, is escalated by it)
    for (const when of [opened, opened + 60_000, opened + 3 * DAY]) {
      h.clock.set(when);
      await sweep.sweep();
      expect(await get()).toMatchObject({ state: 'open', overdue: false, escalations: 0 });
      expect((await get()).light).not.toBe('red');
      expect(await overdueIds()).not.toContain(itemId);
    }
    // Then it is
    h.clock.set(opened + 3 * DAY + 1000);
    expect(await get()).toMatchObject({ light: 'red', overdue: true });
    expect(await overdueIds()).toContain(itemId);
    await sweep.sweep();
    expect(await get()).toMatchObject({ escalations: 1, escalatedTo: h.org.general });
  });

  describe('bulk 销号 (POST /api/ledger/items/verify)', () => {
    const openItem = async (title: string, orgUnitId = h.org.branchA, by = supervisorGeneral) => {
      const created = await by.http.post('/api/ledger/items').send({
        list: 'task',
        title,
        standard: '按要求完成并上传佐证',
        orgUnitId,
        responsible: '张书记',
        assessingUnitId: orgUnitId === h.org.branchA ? h.org.general : h.org.otherCommittee,
        dueAt: '2026-07-30T18:00:00+08:00',
      });
      expect(created.status).toBe(201);
      return itemOf(created).id;
    };
    const submit = async (id: string) => {
      const response = await secretaryA.http
        .post(`/api/ledger/items/${id}/submit`)
        .send({ note: '已完成' });
      expect(response.status).toBe(200);
    };
    const stateOf = async (id: string) =>
      itemOf(await supervisorGeneral.http.get(`/api/ledger/items/${id}`)).state;
    const bulk = (user: LedgerUser, ids: string[]) =>
      user.http.post('/api/ledger/items/verify').send({ ids, note: '材料齐全' });

    beforeAll(() => {
      h.clock.set(at('2026-07-01T09:00:00+08:00'));
    });

    it('closes all or nothing: one item not submitted is a 409 naming it, and none is closed', async () => {
      const [a, b, c] = [await openItem('甲'), await openItem('乙'), await openItem('丙')];
      await submit(a);
      await submit(b);
      const refused = await bulk(supervisorGeneral, [a, b, c]);
      expect(refused.status).toBe(409);
      expect(errorOf(refused).message).toBe(
        '所选的 3 项中有 1 项不是「已提交」状态，不能销号（只有已提交的事项可以销号）；全部未销号',
      );
      expect(errorOf(refused).details).toEqual({ items: [{ id: c, state: 'open' }] });
      expect([await stateOf(a), await stateOf(b), await stateOf(c)]).toEqual([
        'submitted',
        'submitted',
        'open',
      ]);
      expect(await closedEntries([a, b, c])).toEqual([]);

      // Without it, both close, each with its entry and audit event
      const done = await bulk(supervisorGeneral, [b, a]);
      expect(done.status).toBe(200);
      expect((done.body as { closed: string[] }).closed).toEqual([a, b].sort());
      expect(await closedEntries([a, b])).toEqual(
        [a, b].sort().map((id) => ({ item_id: id, actor: supervisorGeneral.userId })),
      );
      for (const id of [a, b]) {
        const events = await h.dataSource.query<{ actor: string; data: { to: string } }[]>(
          `SELECT actor, data FROM audit_events WHERE stream = $1 AND type = 'ledger.closed'`,
          [`ledger:${id}`],
        );
        expect(events).toEqual([
          expect.objectContaining({
            actor: supervisorGeneral.userId,
            data: expect.objectContaining({ to: 'closed' }),
          }),
        ]);
      }
      // Sent again (a double submit): 409 naming both as closed, nothing more written
      const again = await bulk(supervisorGeneral, [a, b]);
      expect(again.status).toBe(409);
      expect(errorOf(again).details).toEqual({
        items: [a, b].sort().map((id) => ({ id, state: 'closed' })),
      });
      expect(await closedEntries([a, b])).toHaveLength(2);
    });

    it('answers an id out of scope as a missing one (404) and closes nothing', async () => {
      const mine = await openItem('丁');
      await submit(mine);
      const foreign = await openItem('子公司', h.org.otherBranch, supervisorOther);
      const missing = '00000000-0000-4000-8000-000000000000';
      const outOfScope = await bulk(supervisorGeneral, [mine, foreign]);
      const unknown = await bulk(supervisorGeneral, [mine, missing]);
      expect([outOfScope.status, unknown.status]).toEqual([404, 404]);
      expect(errorOf(outOfScope).message).toBe(errorOf(unknown).message.replace(missing, foreign));
      expect({ ...errorOf(outOfScope), message: undefined }).toEqual({
        ...errorOf(unknown),
        message: undefined,
      });
      expect(await stateOf(mine)).toBe('submitted');
      expect(await closedEntries([mine, foreign])).toEqual([]);
    });

    it('closes once under two bulk requests at once, and a bulk request racing a single 销号', async () => {
      const [a, b] = [await openItem('戊'), await openItem('己')];
      await submit(a);
      await submit(b);
      const twice = await Promise.all([
        bulk(supervisorGeneral, [a, b]),
        bulk(supervisorGeneral, [b, a]),
      ]);
      expect(twice.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await closedEntries([a, b])).toHaveLength(2);

      const c = await openItem('庚');
      await submit(c);
      const raced = await Promise.all([
        bulk(supervisorGeneral, [c]),
        supervisorGeneral.http.post(`/api/ledger/items/${c}/verify`).send({}),
      ]);
      expect(raced.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await closedEntries([c])).toHaveLength(1);

      // A rejection that lands first: the bulk request names the item in progress
      const d = await openItem('辛');
      await submit(d);
      await supervisorGeneral.http.post(`/api/ledger/items/${d}/reject`).send({ reason: '不全' });
      const stale = await bulk(supervisorGeneral, [d]);
      expect(stale.status).toBe(409);
      expect(errorOf(stale).details).toEqual({ items: [{ id: d, state: 'in_progress' }] });
    });

    it('refuses more than LEDGER_BULK_VERIFY_MAX ids (400 naming ids), and a secretary', async () => {
      const ids = [
        await openItem('壬'),
        await openItem('癸'),
        await openItem('子'),
        await openItem('丑'),
      ];
      for (const id of ids) await submit(id);
      const tooMany = await bulk(supervisorGeneral, ids);
      expect(tooMany.status).toBe(400);
      expect(errorOf(tooMany).details).toEqual([
        { field: 'ids', message: 'ids 一次最多 3 项（LEDGER_BULK_VERIFY_MAX）' },
      ]);
      expect((await bulk(secretaryA, ids.slice(0, 1))).status).toBe(403);
      for (const id of ids) expect(await stateOf(id)).toBe('submitted');
    });
  });
});
