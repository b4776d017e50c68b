import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixtures } from '../api/fixtures.js';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

interface ListedUnit {
  id: string;
  parentId: string | null;
  name: string;
  childCount: number;
}

/**
 * What the web app's organisation and notification pages read (issue 15): one level of the
 * tree at a time with each unit's number of children (`?parentId=`), the users of one unit
 * (`/api/users?orgUnitId=`), and the ledger item a notice's step keeps (`ledgerItemId`), so a
 * click on the notice opens it.
 */
describe('org and notifications for the web app', () => {
  let api: ApiHarness;
  let adminA: SuiteUser;
  let adminGeneral: SuiteUser;
  let secretaryA: SuiteUser;

  const admin = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];

  beforeAll(async () => {
    api = await startApi();
    adminA = await api.user(`webAdminA-${api.tag}`, admin(api.org.branchA));
    adminGeneral = await api.user(`webAdminG-${api.tag}`, admin(api.org.general));
    secretaryA = await api.user(`webSecA-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
  });

  afterAll(async () => {
    await api.close();
  });

  it('lists the children of a unit, each with its number of children; a parent outside the scope is the unknown unit', async () => {
    const group = `grp-web-${api.tag}`.slice(0, 63);
    const created = await adminA.http
      .post('/api/org-units')
      .send({ id: group, parentId: api.org.branchA, kind: 'group', name: '网页小组' });
    expect(created.status).toBe(201);

    const level = await adminGeneral.http.get(`/api/org-units?parentId=${api.org.general}`);
    expect(level.status).toBe(200);
    const items = (level.body as { items: ListedUnit[]; total: number }).items;
    expect(items.map((unit) => [unit.id, unit.parentId, unit.childCount])).toEqual([
      [api.org.branchA, api.org.general, 1],
      [api.org.branchB, api.org.general, 0],
    ]);
    expect((level.body as { total: number }).total).toBe(2);

    const leaf = await adminA.http.get(`/api/org-units?parentId=${api.org.branchA}`);
    expect((leaf.body as { items: ListedUnit[] }).items).toEqual([
      expect.objectContaining({ id: group, name: '网页小组', childCount: 0 }),
    ]);

    // branch A's admin does not see the general branch: the same 400 as for no such unit
    const outside = await adminA.http.get(`/api/org-units?parentId=${api.org.general}`);
    expectError(outside, 400, 'VALIDATION_FAILED');
    const missing = await adminA.http.get(`/api/org-units?parentId=no-such-unit`);
    expectError(missing, 400, 'VALIDATION_FAILED');
    expect((outside.body as { details: unknown }).details).toEqual(
      (missing.body as { details: unknown }).details,
    );

    // a picker finds units by a part of the name, each with its parent's name
    const found = await adminGeneral.http.get(`/api/org-units?q=${encodeURIComponent('网页')}`);
    expect((found.body as { items: (ListedUnit & { parentName: string })[] }).items).toEqual([
      expect.objectContaining({ id: group, parentName: '第一支部' }),
    ]);
    const none = await adminA.http.get(`/api/org-units?q=${encodeURIComponent('不存在的名字')}`);
    expect((none.body as { total: number }).total).toBe(0);
  });

  it('lists the users of one unit: a role on it or a member of it, not those of other units', async () => {
    const member = await adminA.http
      .post('/api/members')
      .send({ orgUnitId: api.org.branchA, name: '网页党员', status: 'full' });
    expect(member.status).toBe(201);
    const memberId = (member.body as { id: string }).id;
    const ofMember = await adminA.http.post('/api/users').send({
      loginName: `web.member.${api.tag}`.toLowerCase().slice(0, 60),
      name: '网页党员',
      memberId,
      grants: [],
    });
    expect(ofMember.status).toBe(201);

    const ofA = await adminGeneral.http.get(`/api/users?orgUnitId=${api.org.branchA}`);
    expect(ofA.status).toBe(200);
    const ids = (ofA.body as { items: { id: string }[] }).items.map((user) => user.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        adminA.userId,
        secretaryA.userId,
        (ofMember.body as { id: string }).id,
      ]),
    );
    expect(ids).not.toContain(adminGeneral.userId);

    const ofB = await adminGeneral.http.get(`/api/users?orgUnitId=${api.org.branchB}`);
    const idsB = (ofB.body as { items: { id: string }[] }).items.map((user) => user.id);
    expect(idsB).not.toContain(adminA.userId);
    expect(idsB).not.toContain(secretaryA.userId);
  });

  it("answers the ledger item of a notice's step, none for a notice about no step", async () => {
    const key = `web-notice-${api.tag}`;
    const deployed = await api.http
      .post('/api/templates')
      .send({ bpmn: fixtures.sequence(key, ['A']), forms: {} });
    expect(deployed.status).toBe(201);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    const instance = started.body as { id: string; openTasks: { id: string }[] };
    const taskId = instance.openTasks[0].id;
    // every user step keeps a ledger item (its 台账事项)
    const [item] = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM ledger_items WHERE task_id = $1`,
      [taskId],
    );
    expect(item).toBeDefined();
    await api.dataSource.query(
      `INSERT INTO notifications (recipient, kind, task_id, instance_id, title, body, dedupe_key, created_at)
       VALUES ($1, 'reminder', $2, $3, '有台账的步骤', '', $4, now()),
              ($1, 'notice', NULL, $3, '只有实例', '', $5, now() - interval '1 minute')`,
      [secretaryA.userId, taskId, instance.id, `web-a-${api.tag}`, `web-b-${api.tag}`],
    );
    const inbox = await secretaryA.http.get('/api/notifications');
    expect(inbox.status).toBe(200);
    const items = (inbox.body as { items: { title: string; ledgerItemId: string | null }[] }).items;
    expect(items.map((n) => [n.title, n.ledgerItemId])).toEqual([
      ['有台账的步骤', item.id],
      ['只有实例', null],
    ]);
  });
});
