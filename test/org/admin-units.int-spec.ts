import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

interface Unit {
  id: string;
  parentId: string | null;
  kind: string;
  path: string;
  version: number;
  closedAt: string | null;
}

/**
 * Administering org units (issue 14, part 1): an admin of a subtree creates, renames, moves
 * and closes its units; an admin of another subtree gets what a missing unit gets; every write
 * names the version it read, and is audited.
 */
describe('org units: administration', () => {
  let api: ApiHarness;
  let adminA: SuiteUser;
  let adminB: SuiteUser;
  let adminGeneral: SuiteUser;
  let secretaryA: SuiteUser;
  let id: (name: string) => string;

  const admin = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];

  beforeAll(async () => {
    api = await startApi();
    id = (name) => `${name}-${api.org.branchA}`.slice(0, 63);
    adminA = await api.user(`adminA-${api.tag}`, admin(api.org.branchA));
    adminB = await api.user(`adminB-${api.tag}`, admin(api.org.branchB));
    adminGeneral = await api.user(`adminG-${api.tag}`, admin(api.org.general));
    secretaryA = await api.user(`secA-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
  });

  afterAll(async () => {
    await api.close();
  });

  const unit = async (unitId: string): Promise<Unit> => {
    const response = await adminGeneral.http.get(`/api/org-units/${unitId}`);
    expect(response.status).toBe(200);
    return response.body as Unit;
  };

  async function audited(type: string, where: (data: Record<string, unknown>) => boolean) {
    const rows = await api.dataSource.query<{ actor: string; data: Record<string, unknown> }[]>(
      `SELECT actor, data FROM audit_events WHERE stream = 'system' AND type = $1`,
      [type],
    );
    return rows.filter((row) => where(row.data));
  }

  it('an admin creates a group under its branch (audited with the user as actor); the same id twice is 409 UNIT_EXISTS, one unit', async () => {
    const body = { id: id('grp1'), parentId: api.org.branchA, kind: 'group', name: '  第一小组 ' };
    const [first, second] = await Promise.all([
      adminA.http.post('/api/org-units').send(body),
      adminA.http.post('/api/org-units').send(body),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([201, 409]);
    const created = (first.status === 201 ? first : second).body as Unit & { name: string };
    expect(created).toMatchObject({
      id: id('grp1'),
      parentId: api.org.branchA,
      name: '第一小组',
      path: `/${api.org.committee}/${api.org.general}/${api.org.branchA}/${id('grp1')}/`,
      version: 1,
      closedAt: null,
    });
    expectError(first.status === 409 ? first : second, 409, 'UNIT_EXISTS');
    const events = await audited('org.unit.created', (data) => data.id === id('grp1'));
    expect(events).toEqual([expect.objectContaining({ actor: adminA.userId })]);
  });

  it('an admin of another subtree is answered as if the unit were absent, on every endpoint', async () => {
    const ghost = id('nowhere');
    const calls: [string, string, object?][] = [
      ['GET', `/api/org-units/${api.org.branchA}`],
      ['PATCH', `/api/org-units/${api.org.branchA}`, { name: 'x', version: 1 }],
      ['POST', `/api/org-units/${api.org.branchA}/move`, { parentId: api.org.branchB, version: 1 }],
      ['POST', `/api/org-units/${api.org.branchA}/close`, { version: 1 }],
    ];
    for (const [method, url, body] of calls) {
      const send = (client: SuiteUser, target: string) => {
        const request =
          method === 'GET'
            ? client.http.get(target)
            : method === 'PATCH'
              ? client.http.patch(target).send(body)
              : client.http.post(target).send(body);
        return request;
      };
      const foreign: { status: number; body: unknown } = await send(adminB, url);
      const missing = await send(adminB, url.replace(api.org.branchA, ghost));
      expectError(foreign, 404);
      expect({ url, body: foreign.body }).toEqual({
        url,
        body: missing.body as unknown,
      });
      expect(missing.body).toMatchObject({ code: 'UNIT_NOT_FOUND', message: '未找到该党组织' });
    }
    // a parent outside the scope: the 400 an unknown parent gets
    const create = (parentId: string) =>
      adminB.http
        .post('/api/org-units')
        .send({ id: id('sneak'), parentId, kind: 'group', name: 'x' });
    const foreignParent = await create(api.org.branchA);
    const unknownParent = await create(ghost);
    expectError(foreignParent, 400);
    expect(foreignParent.body).toEqual({
      ...(unknownParent.body as object),
      details: [{ field: 'parentId', message: 'parentId：未找到该党组织' }],
    });
    // the list leaves it out; filtering by it is the unknown unit's 400
    const list = await adminB.http.get('/api/org-units');
    expect((list.body as { items: Unit[] }).items.map((u) => u.id)).toEqual([api.org.branchB]);
    const filtered = await adminB.http.get(`/api/org-units?orgUnitId=${api.org.branchA}`);
    expectError(filtered, 400);
    expect(filtered.body).toMatchObject({
      details: [{ field: 'orgUnitId', message: 'orgUnitId：未找到该党组织' }],
    });
  });

  it('a secretary of the unit reads it but may not administer it (403)', async () => {
    expect((await secretaryA.http.get(`/api/org-units/${api.org.branchA}`)).status).toBe(200);
    const rename = await secretaryA.http
      .patch(`/api/org-units/${api.org.branchA}`)
      .send({ name: 'x', version: 1 });
    expectError(rename, 403);
  });

  it('rename names the version it read: a stale one is 409 VERSION_CONFLICT, one rename wins', async () => {
    await adminA.http
      .post('/api/org-units')
      .send({ id: id('grp2'), parentId: api.org.branchA, kind: 'group', name: '二组' })
      .expect(201);
    const [a, b] = await Promise.all([
      adminA.http.patch(`/api/org-units/${id('grp2')}`).send({ name: '第二小组', version: 1 }),
      adminA.http.patch(`/api/org-units/${id('grp2')}`).send({ name: '第贰小组', version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expectError(a.status === 409 ? a : b, 409, 'VERSION_CONFLICT');
    expect(await unit(id('grp2'))).toMatchObject({ version: 2 });
    const bad = await adminA.http
      .patch(`/api/org-units/${id('grp2')}`)
      .send({ name: 'a\u0007b', version: 2 });
    expectError(bad, 400, 'INVALID_UNIT');
  });

  it('a move rewrites every path of the subtree in one go, is audited, and refuses its own subtree and a kind that does not fit', async () => {
    // general → sub-branch (branch) → group: move the branch with its group under branch B? no:
    // a branch cannot sit under a branch; move it under the committee instead
    const branch = id('br');
    await adminGeneral.http
      .post('/api/org-units')
      .send({ id: branch, parentId: api.org.general, kind: 'branch', name: '第三支部' })
      .expect(201);
    await adminGeneral.http
      .post('/api/org-units')
      .send({ id: id('br-g'), parentId: branch, kind: 'group', name: '小组' })
      .expect(201);
    const underBranch = await adminGeneral.http
      .post(`/api/org-units/${branch}/move`)
      .send({ parentId: api.org.branchB, version: 1 });
    expectError(underBranch, 422, 'INVALID_MOVE');
    const underItself = await adminGeneral.http
      .post(`/api/org-units/${api.org.general}/move`)
      .send({ parentId: branch, version: 1 });
    expectError(underItself, 422, 'INVALID_MOVE');
    // the general branch's admin does not administer the committee: the 400 of an unknown parent
    const outside = await adminGeneral.http
      .post(`/api/org-units/${branch}/move`)
      .send({ parentId: api.org.committee, version: 1 });
    expectError(outside, 400);

    const committeeAdmin = await api.user(`adminC-${api.tag}`, admin(api.org.committee));
    const moved = await committeeAdmin.http
      .post(`/api/org-units/${branch}/move`)
      .send({ parentId: api.org.committee, version: 1 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      parentId: api.org.committee,
      path: `/${api.org.committee}/${branch}/`,
      version: 2,
      moved: 2,
    });
    const child = (await committeeAdmin.http.get(`/api/org-units/${id('br-g')}`)).body as Unit;
    expect(child.path).toBe(`/${api.org.committee}/${branch}/${id('br-g')}/`);
    const rows = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM org_units WHERE path LIKE $1`,
      [`/${api.org.committee}/${api.org.general}/${branch}/%`],
    );
    expect(rows[0].n).toBe(0);
    // replaying the same move (a double submit) is stale
    const again = await committeeAdmin.http
      .post(`/api/org-units/${branch}/move`)
      .send({ parentId: api.org.committee, version: 1 });
    expectError(again, 409, 'VERSION_CONFLICT');
    // the general branch's admin no longer sees it (out of scope is absent)
    expectError(await adminGeneral.http.get(`/api/org-units/${branch}`), 404);
    const events = await audited('org.unit.moved', (data) => data.id === branch);
    expect(events).toEqual([
      expect.objectContaining({
        actor: committeeAdmin.userId,
        data: expect.objectContaining({
          fromParentId: api.org.general,
          toParentId: api.org.committee,
          units: 2,
        }),
      }),
    ]);
  });

  it('close is refused while the subtree holds open units or members (409 naming how many), then closes once', async () => {
    const branch = id('closing');
    await adminGeneral.http
      .post('/api/org-units')
      .send({ id: branch, parentId: api.org.general, kind: 'branch', name: '将撤销支部' })
      .expect(201);
    await adminGeneral.http
      .post('/api/org-units')
      .send({ id: id('closing-g'), parentId: branch, kind: 'group', name: '小组' })
      .expect(201);
    const member = await adminGeneral.http
      .post('/api/members')
      .send({ orgUnitId: id('closing-g'), name: '待转出', status: 'full' });
    expect(member.status).toBe(201);
    const refused = await adminGeneral.http
      .post(`/api/org-units/${branch}/close`)
      .send({ version: 1 });
    const body = expectError(refused, 409, 'UNIT_NOT_EMPTY');
    expect(body.message).toMatch(/^该党组织下仍有下级组织、党员或进行中的流程，不能撤销（/);
    expect(body.message).toContain(
      '1 open unit(s) below it, 1 member(s) not cancelled and 0 instance(s)',
    );

    const memberId = (member.body as { id: string }).id;
    await adminGeneral.http
      .post(`/api/members/${memberId}/transfer`)
      .send({ toOrgUnitId: api.org.branchB, reason: '调出', version: 1 })
      .expect(200);
    await adminGeneral.http
      .post(`/api/org-units/${id('closing-g')}/close`)
      .send({ version: 1 })
      .expect(200);
    const [a, b] = await Promise.all([
      adminGeneral.http.post(`/api/org-units/${branch}/close`).send({ version: 1 }),
      adminGeneral.http.post(`/api/org-units/${branch}/close`).send({ version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const closed = (a.status === 200 ? a : b).body as Unit;
    expect(closed.closedAt).toEqual(expect.any(String));
    expect(await audited('org.unit.closed', (data) => data.id === branch)).toHaveLength(1);
    // a closed unit takes nothing new and is left out of the list by default
    const add = await adminGeneral.http
      .post('/api/org-units')
      .send({ id: id('late'), parentId: branch, kind: 'group', name: '迟到' });
    expectError(add, 409, 'UNIT_CLOSED');
    const list = (await adminGeneral.http.get('/api/org-units?pageSize=100')).body as {
      items: Unit[];
    };
    expect(list.items.map((u) => u.id)).not.toContain(branch);
    const all = (await adminGeneral.http.get('/api/org-units?pageSize=100&includeClosed=true'))
      .body as { items: Unit[] };
    expect(all.items.map((u) => u.id)).toContain(branch);
  });

  it('a moved unit is seen under its new parent at once (no stale path in the access checks)', async () => {
    const branch = id('mv2');
    const committeeAdmin = await api.user(`adminC2-${api.tag}`, admin(api.org.committee));
    await committeeAdmin.http
      .post('/api/org-units')
      .send({ id: branch, parentId: api.org.general, kind: 'branch', name: '支部' })
      .expect(201);
    // a secretary of the general branch filters by it first (any path cache now holds the old path)
    const secretary = await api.user(`secG-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.general },
    ]);
    expect((await secretary.http.get(`/api/instances?orgUnitId=${branch}`)).status).toBe(200);
    await committeeAdmin.http
      .post(`/api/org-units/${branch}/move`)
      .send({ parentId: api.org.committee, version: 1 })
      .expect(200);
    const instances = await secretary.http.get(`/api/instances?orgUnitId=${branch}`);
    expectError(instances, 400);
  });
});
