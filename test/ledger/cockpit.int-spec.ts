import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { MaintenanceProcessor } from '../../apps/worker/src/index.js';
import type { UnitRollupDto } from '../../apps/api/src/ledger/dto/unit-rollup.dto.js';
import {
  type LedgerHarness,
  type LedgerUser,
  errorOf,
  itemOf,
  startLedger,
} from './support/harness.js';

const at = (text: string) => Date.parse(text);

/**
 * The supervisor's cockpit, one level at a time (`GET /api/ledger/rollup/units`): a unit's
 * children with 总数 / 未完成 / 逾期 / 督办 / 已销号 / 按时完成率 for a month or quarter, each
 * counting its subtree, paged by name, the parent's own row; the caller's topmost units by
 * default; out of scope answered as unknown.
 */
describe('ledger: the cockpit’s roll-up per level', () => {
  let h: LedgerHarness;
  let supervisorCommittee: LedgerUser;
  let supervisorGeneral: LedgerUser;
  let secretaryA: LedgerUser;
  let secretaryB: LedgerUser;
  let member: LedgerUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startLedger('cockpit', { worker: true });
    const directory = h.api.get(OrgDirectory);
    for (const [id, name] of [
      ['branch-c', '第三党支部'],
      ['branch-d', '第四党支部'],
      ['branch-e', '第五党支部'],
    ]) {
      await directory.createUnit({ id, parentId: h.org.general, kind: 'branch', name });
    }
    supervisorCommittee = await h.user('周组织部', [
      { role: 'supervisor', orgUnitId: h.org.committee },
    ]);
    supervisorGeneral = await h.user('王总支', [{ role: 'supervisor', orgUnitId: h.org.general }]);
    secretaryA = await h.user('张书记', [{ role: 'secretary', orgUnitId: h.org.branchA }]);
    secretaryB = await h.user('李书记', [{ role: 'secretary', orgUnitId: h.org.branchB }]);
    member = await h.user('党员甲', [{ role: 'member', orgUnitId: h.org.branchA }]);

    const open = async (name: string, when: string, unit: string, due: string) => {
      h.clock.set(at(when));
      const response = await supervisorGeneral.http.post('/api/ledger/items').send({
        list: 'task',
        title: `事项 ${name}`,
        standard: '按时完成并上传佐证材料',
        orgUnitId: unit,
        responsible: '张书记',
        assessingUnitId: h.org.general,
        dueAt: due,
      });
      expect(response.status).toBe(201);
      ids[name] = itemOf(response).id;
    };
    const act = async (user: LedgerUser, when: string, name: string, step: string) => {
      h.clock.set(at(when));
      const response = await user.http
        .post(`/api/ledger/items/${ids[name]}/${step}`)
        .send(step === 'submit' ? { note: '已完成' } : {});
      expect({ name, step, status: response.status }).toEqual({ name, step, status: 200 });
    };
    const A = h.org.branchA;
    // February: A0 opened, submitted late and closed in March
    await open('A0', '2026-02-10T09:00:00+08:00', A, '2026-02-20T18:00:00+08:00');
    await act(secretaryA, '2026-03-01T10:00:00+08:00', 'A0', 'submit');
    await act(supervisorGeneral, '2026-03-02T10:00:00+08:00', 'A0', 'verify');
    // March: A1 goes overdue and is escalated (督办); A2 closed on time; B1 open, not yet due
    await open('A1', '2026-03-02T09:00:00+08:00', A, '2026-03-10T18:00:00+08:00');
    await open('A2', '2026-03-02T09:30:00+08:00', A, '2026-03-31T18:00:00+08:00');
    await act(secretaryA, '2026-03-05T10:00:00+08:00', 'A2', 'submit');
    await act(supervisorGeneral, '2026-03-06T10:00:00+08:00', 'A2', 'verify');
    await open('B1', '2026-03-03T09:00:00+08:00', h.org.branchB, '2026-03-28T18:00:00+08:00');
    h.clock.set(at('2026-03-14T09:00:00+08:00'));
    expect(await h.worker!.get(MaintenanceProcessor).handle('ledger-escalate')).toEqual({
      escalated: 1,
    });
    h.clock.set(at('2026-03-25T09:00:00+08:00'));
  });

  afterAll(async () => {
    await h?.close();
  });

  const level = async (user: LedgerUser, query: Record<string, string | number>) => {
    const response = await user.http.get('/api/ledger/rollup/units').query(query);
    expect(response.status).toBe(200);
    return response.body as UnitRollupDto;
  };
  const counts = (row: UnitRollupDto['rows'][number] | null | undefined) =>
    row && {
      unit: row.orgUnitId,
      total: row.total,
      open: row.openAtEnd,
      overdue: row.overdueAtEnd,
      escalated: row.escalated,
      closed: row.closed,
      rate: row.onTimeRate,
    };

  it('lists a unit’s children with their subtree’s counts for the month, and the parent’s row', async () => {
    const body = await level(supervisorCommittee, {
      period: 'month',
      month: '2026-03',
      parentId: h.org.general,
      pageSize: 100,
    });
    expect(body).toMatchObject({ period: 'month', label: '2026-03', total: 5, page: 1 });
    expect(counts(body.parent)).toEqual({
      unit: h.org.general,
      total: 4,
      open: 2,
      overdue: 1,
      escalated: 1,
      closed: 2,
      rate: 0.5,
    });
    expect(body.parent).toMatchObject({ orgUnitName: '研发党总支', kind: 'general_branch' });
    expect(body.parent?.childCount).toBe(5);
    expect(body.trail).toEqual([
      { orgUnitId: h.org.committee, orgUnitName: '公司党委' },
      { orgUnitId: h.org.general, orgUnitName: '研发党总支' },
    ]);
    const byUnit = new Map(body.rows.map((row) => [row.orgUnitId, row]));
    expect(counts(byUnit.get(h.org.branchA))).toEqual({
      unit: h.org.branchA,
      total: 3,
      open: 1,
      overdue: 1,
      escalated: 1,
      closed: 2,
      rate: 0.5,
    });
    expect(byUnit.get(h.org.branchA)).toMatchObject({
      orgUnitName: '第一党支部',
      kind: 'branch',
      childCount: 0,
      opened: 2,
      closedOnTime: 1,
    });
    expect(counts(byUnit.get(h.org.branchB))).toEqual({
      unit: h.org.branchB,
      total: 1,
      open: 1,
      overdue: 0,
      escalated: 0,
      closed: 0,
      rate: null,
    });
    expect(counts(byUnit.get('branch-d'))).toEqual({
      unit: 'branch-d',
      total: 0,
      open: 0,
      overdue: 0,
      escalated: 0,
      closed: 0,
      rate: null,
    });
    // February: A0 opened and open at the month's end (due the 20th: overdue then)
    const february = await level(supervisorGeneral, {
      period: 'month',
      month: '2026-02',
      parentId: h.org.general,
    });
    expect(counts(february.parent)).toEqual({
      unit: h.org.general,
      total: 1,
      open: 1,
      overdue: 1,
      escalated: 0,
      closed: 0,
      rate: null,
    });
    // The quarter holding February: everything
    const quarter = await level(supervisorGeneral, {
      period: 'quarter',
      month: '2026-02',
      parentId: h.org.general,
    });
    expect(quarter.label).toBe('2026-Q1');
    expect(counts(quarter.parent)).toMatchObject({ total: 4, open: 2, closed: 2, escalated: 1 });
  });

  it('pages the children by name: a level never sends more than a page', async () => {
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const body = await level(supervisorGeneral, {
        period: 'month',
        month: '2026-03',
        parentId: h.org.general,
        page,
        pageSize: 2,
      });
      expect({ page, total: body.total, rows: body.rows.length }).toEqual({
        page,
        total: 5,
        rows: page === 3 ? 1 : 2,
      });
      expect(body.parent?.total).toBe(4);
      seen.push(...body.rows.map((row) => row.orgUnitName));
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(5);
    const past = await level(supervisorGeneral, {
      period: 'month',
      month: '2026-03',
      parentId: h.org.general,
      page: 9,
      pageSize: 2,
    });
    expect({ rows: past.rows, total: past.total }).toEqual({ rows: [], total: 5 });
  });

  it('starts at the caller’s topmost units; out of scope is unknown; roles are needed', async () => {
    const top = await level(supervisorCommittee, { period: 'month', month: '2026-03' });
    expect(top.parent).toBeNull();
    expect(top.rows.map((row) => [row.orgUnitId, row.childCount, row.total])).toEqual([
      [h.org.committee, 1, 4],
    ]);
    const own = await level(secretaryB, { period: 'month', month: '2026-03' });
    expect(own.rows.map((row) => [row.orgUnitId, row.total])).toEqual([[h.org.branchB, 1]]);
    // Her trail starts at her branch: the units above it are not hers to read
    const inside = await level(secretaryB, {
      period: 'month',
      month: '2026-03',
      parentId: h.org.branchB,
    });
    expect(inside.trail).toEqual([{ orgUnitId: h.org.branchB, orgUnitName: '第二党支部' }]);
    expect(inside.rows).toEqual([]);

    const outside = await secretaryB.http
      .get('/api/ledger/rollup/units')
      .query({ period: 'month', month: '2026-03', parentId: h.org.general });
    const unknown = await secretaryB.http
      .get('/api/ledger/rollup/units')
      .query({ period: 'month', month: '2026-03', parentId: 'no-such-unit' });
    expect(outside.status).toBe(400);
    expect(errorOf(outside)).toEqual(errorOf(unknown));
    expect(errorOf(outside).details).toEqual([
      { field: 'parentId', message: 'parentId：未找到该党组织' },
    ]);
    const otherTree = await supervisorCommittee.http
      .get('/api/ledger/rollup/units')
      .query({ period: 'month', month: '2026-03', parentId: h.org.otherCommittee });
    expect(otherTree.status).toBe(400);

    const refused = await member.http
      .get('/api/ledger/rollup/units')
      .query({ period: 'month', month: '2026-03' });
    expect(refused.status).toBe(403);
    expect(errorOf(refused).message).toBe('只有党组织书记或督导人员可以查看台账汇总');

    const bad = await supervisorCommittee.http
      .get('/api/ledger/rollup/units')
      .query({ period: 'year', month: '2026-13' });
    expect(bad.status).toBe(400);
    expect((errorOf(bad).details as { field: string }[]).map((d) => d.field)).toEqual([
      'period',
      'month',
    ]);
    expect((await h.anonymous.get('/api/ledger/rollup/units')).status).toBe(401);
  });
  // Last: it adds items to the month
  it('puts red items first on the overdue board, then the most escalated', async () => {
    const post = async (title: string, due: string) => {
      const response = await supervisorGeneral.http.post('/api/ledger/items').send({
        list: 'problem',
        title,
        standard: '整改到位',
        orgUnitId: h.org.branchB,
        responsible: '李书记',
        assessingUnitId: h.org.general,
        dueAt: due,
      });
      expect(response.status).toBe(201);
      return itemOf(response).id;
    };
    const step = async (user: LedgerUser, id: string, name: string, body: object) => {
      const response = await user.http.post(`/api/ledger/items/${id}/${name}`).send(body);
      expect({ name, status: response.status }).toEqual({ name, status: 200 });
    };
    // X: overdue, escalated, closed, then reopened by a 回头看 with a new due time — still on
    // the board (督办 once) but no longer red; Y: red, never escalated
    h.clock.set(at('2026-03-15T09:00:00+08:00'));
    const x = await post('回头看事项', '2026-03-16T18:00:00+08:00');
    h.clock.set(at('2026-03-20T09:00:00+08:00'));
    expect(await h.worker!.get(MaintenanceProcessor).handle('ledger-escalate')).toEqual({
      escalated: 2,
    });
    const y = await post('逾期未督办事项', '2026-03-21T18:00:00+08:00');
    await step(secretaryB, x, 'submit', { note: '已整改' });
    await step(supervisorGeneral, x, 'verify', {});
    await step(supervisorGeneral, x, 'reopen', {
      reason: '回头看：仍有问题',
      dueAt: '2026-04-30T18:00:00+08:00',
    });
    h.clock.set(at('2026-03-25T09:00:00+08:00'));
    const response = await supervisorGeneral.http.get('/api/ledger/overdue');
    expect(response.status).toBe(200);
    const items = (response.body as { items: { id: string; light: string; escalations: number }[] })
      .items;
    expect(items.map((item) => [item.id, item.light, item.escalations])).toEqual([
      [ids.A1, 'red', 2],
      [y, 'red', 0],
      [x, 'green', 1],
    ]);
    // Opened by hand: no step, no process
    expect(response.body).toMatchObject({
      items: [{ stepName: null, templateName: null, orgUnitName: '第一党支部' }, {}, {}],
    });
  });
});
