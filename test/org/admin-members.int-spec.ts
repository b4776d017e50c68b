import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

interface Member {
  id: string;
  orgUnitId: string;
  name: string;
  status: string;
  phone: string | null;
  partyNumber: string | null;
  version: number;
}

/**
 * Administering members (issue 14, parts 1, 2 and 5): admins create, edit, transfer and set the
 * status of members of their subtree; readers look members up with the phone masked; an
 * admin of another subtree gets what a missing member gets; every write names its version.
 */
describe('members: administration and lookup', () => {
  let api: ApiHarness;
  let adminA: SuiteUser;
  let adminB: SuiteUser;
  let adminGeneral: SuiteUser;
  let secretaryA: SuiteUser;
  let member: Member;
  let tag: string;

  const admin = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];

  beforeAll(async () => {
    api = await startApi();
    tag = api.tag
      .replace(/[^0-9a-z]/g, '')
      .slice(-10)
      .toUpperCase();
    adminA = await api.user(`adminA-${api.tag}`, admin(api.org.branchA));
    adminB = await api.user(`adminB-${api.tag}`, admin(api.org.branchB));
    adminGeneral = await api.user(`adminG-${api.tag}`, admin(api.org.general));
    secretaryA = await api.user(`secA-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    const created = await adminA.http.post('/api/members').send({
      orgUnitId: api.org.branchA,
      name: ' 王小明 ',
      gender: 'male',
      status: 'probationary',
      birthDate: '1990-05-01',
      admissionDate: '2024-07-01',
      partyNumber: `DY${tag}`,
      phone: '13812345678',
    });
    expect(created.status).toBe(201);
    member = created.body as Member;
  });

  afterAll(async () => {
    await api.close();
  });

  async function audited(type: string, memberId: string) {
    const rows = await api.dataSource.query<{ actor: string; data: Record<string, unknown> }[]>(
      `SELECT actor, data FROM audit_events WHERE stream = 'system' AND type = $1
          AND (data->>'memberId' = $2 OR data->>'id' = $2) ORDER BY seq`,
      [type, memberId],
    );
    return rows;
  }

  it('an admin creates a member (trimmed, audited with the phone masked); the admin sees the phone', async () => {
    expect(member).toMatchObject({ name: '王小明', phone: '13812345678', version: 1 });
    const [event] = await audited('org.member.created', member.id);
    expect(event.actor).toBe(adminA.userId);
    expect(event.data).toMatchObject({ name: '王小明', phone: '138****5678' });
    expect(JSON.stringify(event.data)).not.toContain('13812345678');
  });

  it('readers get the phone masked, in the list and the lookup; q matches a name prefix or the 党员编号', async () => {
    const one = await secretaryA.http.get(`/api/members/${member.id}`);
    expect(one.status).toBe(200);
    expect((one.body as Member).phone).toBe('138****5678');
    const byName = await secretaryA.http.get(
      `/api/members?q=${encodeURIComponent('王小')}&orgUnitId=${api.org.branchA}`,
    );
    expect(byName.status).toBe(200);
    expect(byName.body).toMatchObject({
      total: 1,
      items: [{ id: member.id, phone: '138****5678' }],
    });
    const byNumber = await adminA.http.get(`/api/members?q=DY${tag}`);
    expect(byNumber.body).toMatchObject({ total: 1, items: [{ phone: '13812345678' }] });
    // the lookup is scoped: branch B's admin finds nobody, and its filter is the unknown unit's 400
    const foreign = await adminB.http.get(`/api/members?q=${encodeURIComponent('王小')}`);
    expect(foreign.body).toMatchObject({ total: 0, items: [] });
    const filtered = await adminB.http.get(`/api/members?orgUnitId=${api.org.branchA}`);
    const unknown = await adminB.http.get('/api/members?orgUnitId=no-such-unit');
    expectError(filtered, 400);
    expect((filtered.body as { details: unknown }).details).toEqual([
      { field: 'orgUnitId', message: 'orgUnitId：未找到该党组织' },
    ]);
    expect((unknown.body as { message: string }).message).toBe(
      (filtered.body as { message: string }).message,
    );
  });

  it('an admin of another subtree is answered as if the member were absent, on every endpoint', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const calls: [string, string, object?][] = [
      ['GET', `/api/members/${member.id}`],
      ['PATCH', `/api/members/${member.id}`, { phone: '1', version: 1 }],
      [
        'POST',
        `/api/members/${member.id}/transfer`,
        { toOrgUnitId: api.org.branchB, reason: 'x', version: 1 },
      ],
      ['POST', `/api/members/${member.id}/status`, { status: 'full', reason: 'x', version: 1 }],
    ];
    for (const [method, url, body] of calls) {
      const send = (target: string) =>
        method === 'GET'
          ? adminB.http.get(target)
          : method === 'PATCH'
            ? adminB.http.patch(target).send(body)
            : adminB.http.post(target).send(body);
      const foreign: { status: number; body: unknown } = await send(url);
      const missing = await send(url.replace(member.id, ghost));
      expectError(foreign, 404);
      expect({ url, body: foreign.body }).toEqual({
        url,
        body: missing.body as unknown,
      });
      expect((missing.body as { message: string }).message).toMatch(/^未找到/);
    }
    // creating in a unit outside the scope: the unknown unit's 400
    const create = await adminB.http
      .post('/api/members')
      .send({ orgUnitId: api.org.branchA, name: '潜入', status: 'applicant' });
    expectError(create, 400);
    expect((create.body as { details: unknown }).details).toEqual([
      { field: 'orgUnitId', message: 'orgUnitId：未找到该党组织' },
    ]);
    // a secretary reads the member but does not administer it
    expectError(
      await secretaryA.http.patch(`/api/members/${member.id}`).send({ phone: '1', version: 1 }),
      403,
    );
    const unchanged = await adminA.http.get(`/api/members/${member.id}`);
    expect((unchanged.body as Member).version).toBe(1);
  });

  it('edit names the version it read: two edits of version 1, one wins and the other is 409; bad input is 400 naming the field', async () => {
    const [a, b] = await Promise.all([
      adminA.http.patch(`/api/members/${member.id}`).send({ phone: '13900000001', version: 1 }),
      adminA.http.patch(`/api/members/${member.id}`).send({ phone: '13900000002', version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expectError(a.status === 409 ? a : b, 409, 'VERSION_CONFLICT');
    const now = (await adminA.http.get(`/api/members/${member.id}`)).body as Member;
    expect(now.version).toBe(2);
    const events = await audited('org.member.updated', member.id);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0].data)).not.toMatch(/1390000000[12]/);

    for (const [patch, field] of [
      [{ phone: '138 1234 5678' }, 'phone'],
      [{ birthDate: '2030-01-01' }, 'birthDate'],
      [{ admissionDate: '1989-01-01' }, 'admissionDate'],
      [{ fullMemberDate: '2024-06-30' }, 'fullMemberDate'],
      [{ birthDate: '1990-02-30' }, 'birthDate'],
      [{ name: 'a\u0000b' }, 'name'],
    ] as const) {
      const response = await adminA.http
        .patch(`/api/members/${member.id}`)
        .send({ ...patch, version: 2 });
      const body = expectError(response, 400);
      expect(`${String(body.message)} ${JSON.stringify(body.details ?? '')}`).toContain(field);
    }
  });

  it('a second member with the same 党员编号 is 409 PARTY_NUMBER_TAKEN; a double submit of a new member creates one', async () => {
    const taken = await adminA.http.post('/api/members').send({
      orgUnitId: api.org.branchA,
      name: '李四',
      status: 'full',
      partyNumber: `DY${tag}`,
    });
    expectError(taken, 409, 'PARTY_NUMBER_TAKEN');
    const body = {
      orgUnitId: api.org.branchA,
      name: '赵六',
      status: 'applicant',
      birthDate: '2000-01-01',
    };
    const [a, b] = await Promise.all([
      adminA.http.post('/api/members').send(body),
      adminA.http.post('/api/members').send(body),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expectError(a.status === 409 ? a : b, 409, 'MEMBER_EXISTS');
  });

  it('a transfer needs an admin of both units, moves the member grant too, is audited once with both units; a replay is stale', async () => {
    const moving = (
      await adminA.http.post('/api/members').send({
        orgUnitId: api.org.branchA,
        name: '转接人',
        status: 'full',
      })
    ).body as Member;
    const user = await api.user(
      `m-${api.tag}`,
      [{ role: 'member', orgUnitId: api.org.branchA }],
      moving.id,
    );
    expect(user.userId).toBeTruthy();
    // branch A's admin does not administer branch B: the unknown unit's 400
    const notThere = await adminA.http
      .post(`/api/members/${moving.id}/transfer`)
      .send({ toOrgUnitId: api.org.branchB, reason: '工作调动', version: 1 });
    expectError(notThere, 400);
    expect((notThere.body as { details: unknown }).details).toEqual([
      { field: 'toOrgUnitId', message: 'toOrgUnitId：未找到该党组织' },
    ]);
    const noReason = await adminGeneral.http
      .post(`/api/members/${moving.id}/transfer`)
      .send({ toOrgUnitId: api.org.branchB, reason: '  ', version: 1 });
    expectError(noReason, 400);
    const [a, b] = await Promise.all([
      adminGeneral.http
        .post(`/api/members/${moving.id}/transfer`)
        .send({ toOrgUnitId: api.org.branchB, reason: '工作调动', version: 1 }),
      adminGeneral.http
        .post(`/api/members/${moving.id}/transfer`)
        .send({ toOrgUnitId: api.org.branchB, reason: '工作调动', version: 1 }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 200 ? a : b).body).toMatchObject({
      orgUnitId: api.org.branchB,
      version: 2,
    });
    const events = await audited('org.member.transferred', moving.id);
    expect(events).toEqual([
      {
        actor: adminGeneral.userId,
        data: {
          memberId: moving.id,
          fromOrgUnitId: api.org.branchA,
          toOrgUnitId: api.org.branchB,
          reason: '工作调动',
          memberGrantsMoved: [user.userId],
        },
      },
    ]);
    const grants = await api.dataSource.query<{ role: string; org_unit_id: string }[]>(
      `SELECT role, org_unit_id FROM user_roles WHERE user_id = $1`,
      [user.userId],
    );
    expect(grants).toEqual([{ role: 'member', org_unit_id: api.org.branchB }]);
    // branch A's admin no longer sees the member
    expectError(await adminA.http.get(`/api/members/${moving.id}`), 404);
  });

  it('a manual status change: admin only, reason required, audited; a stale version is 409', async () => {
    const current = (await adminA.http.get(`/api/members/${member.id}`)).body as Member;
    const noReason = await adminA.http
      .post(`/api/members/${member.id}/status`)
      .send({ status: 'full', version: current.version });
    expectError(noReason, 400);
    const [a, b] = await Promise.all([
      adminA.http
        .post(`/api/members/${member.id}/status`)
        .send({ status: 'full', reason: '支部大会通过转正', version: current.version }),
      adminA.http
        .post(`/api/members/${member.id}/status`)
        .send({ status: 'full', reason: '支部大会通过转正', version: current.version }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const events = await audited('org.member.status', member.id);
    expect(events).toEqual([
      {
        actor: adminA.userId,
        data: {
          memberId: member.id,
          from: 'probationary',
          to: 'full',
          reason: '支部大会通过转正',
          manual: true,
        },
      },
    ]);
    expectError(
      await secretaryA.http
        .post(`/api/members/${member.id}/status`)
        .send({ status: 'cancelled', reason: 'x', version: current.version + 1 }),
      403,
    );
  });
});
