import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { OrgDirectory } from '@app/org';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';
import { fixtures } from '../api/fixtures.js';

/**
 * Issue 13, finding 10 (audit part): `GET /api/audit/verify?stream=<id>` answered for streams
 * outside the caller's scope. A stream the caller may not read is absent (the 404 of an
 * unknown stream, no unit named); the whole trail and the system stream are a committee
 * supervisor's alone.
 */
describe('security: audit verification is scoped to what the caller reads', () => {
  let api: ApiHarness;
  let instanceA: string;
  let ledgerA: string;
  let secretaryA: SuiteUser;
  let secretaryB: SuiteUser;
  let supervisorGeneral: SuiteUser;
  let integrator: SuiteUser;
  let otherCommittee: SuiteUser;

  beforeAll(async () => {
    api = await startApi();
    const key = `audit-scope-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    const deployed = await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(key, ['A']));
    expect(deployed.status).toBe(201);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    instanceA = (started.body as { id: string }).id;
    const item = await api.http.post('/api/ledger/items').send({
      list: 'problem',
      title: '整改学习记录',
      standard: '补齐记录',
      orgUnitId: api.org.branchA,
      responsible: '张书记',
      assessingUnitId: api.org.general,
      dueAt: '2026-04-30T18:00:00+08:00',
    });
    expect(item.status).toBe(201);
    ledgerA = `ledger:${(item.body as { id: string }).id}`;
    secretaryA = await api.user(`sec-a-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    secretaryB = await api.user(`sec-b-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
    ]);
    supervisorGeneral = await api.user(`sup-g-${api.tag}`, [
      { role: 'supervisor', orgUnitId: api.org.general },
    ]);
    integrator = await api.user(`int-${api.tag}`, [
      { role: 'integrator', orgUnitId: api.org.committee },
    ]);
    const other = `o-${api.org.committee}`.slice(0, 63);
    await api.app.get(OrgDirectory).createUnit({
      id: other,
      parentId: null,
      kind: 'committee',
      name: '另一党委',
    });
    otherCommittee = await api.user(`sup-o-${api.tag}`, [{ role: 'supervisor', orgUnitId: other }]);
  });

  afterAll(async () => {
    await api.close();
  });

  const verify = (user: SuiteUser, stream?: string) =>
    user.http.get(
      stream === undefined
        ? '/api/audit/verify'
        : `/api/audit/verify?stream=${encodeURIComponent(stream)}`,
    );

  /** The 404 of a stream that does not exist, and nothing that tells it apart. */
  const expectAbsent = async (user: SuiteUser, stream: string) => {
    const response = await verify(user, stream);
    const body = expectError(response, 404);
    const unknown = randomUUID();
    const control = expectError(await verify(user, unknown), 404);
    expect(body).toEqual({ ...control, message: String(control.message).replace(unknown, stream) });
    expect(JSON.stringify(body)).not.toContain(api.org.branchA);
    expect(JSON.stringify(body)).not.toContain(api.org.general);
  };

  it('whoever reads the instance (or ledger item) verifies its stream', async () => {
    for (const user of [api.admin, supervisorGeneral, secretaryA]) {
      for (const stream of [instanceA, ledgerA]) {
        const response = await verify(user, stream);
        expect({ stream, status: response.status, body: response.body as unknown }).toEqual({
          stream,
          status: 200,
          body: { ok: true, streams: 1, events: expect.any(Number), broken: null },
        });
      }
    }
  });

  it('a stream outside the caller’s scope is absent: the same 404 as an unknown stream', async () => {
    for (const user of [secretaryB, integrator, otherCommittee]) {
      await expectAbsent(user, instanceA);
      await expectAbsent(user, ledgerA);
    }
  });

  it('the system stream is the committee’s: absent for anyone else', async () => {
    expect((await verify(api.admin, 'system')).status).toBe(200);
    for (const user of [secretaryA, supervisorGeneral, integrator]) {
      await expectAbsent(user, 'system');
    }
  });

  it('the whole trail is the committee supervisor’s alone (403 for the rest, audited)', async () => {
    expect((await verify(api.admin)).status).toBe(200);
    for (const user of [secretaryA, supervisorGeneral, integrator]) {
      const body = expectError(await verify(user), 403, 'FORBIDDEN');
      expect(body.message).toContain('只有党委的督导人员可以校验整个审计链');
    }
    const [refused] = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events
        WHERE stream = 'system' AND type = 'access.refused' AND actor = $1`,
      [integrator.userId],
    );
    expect(refused.n).toBeGreaterThan(0);
  });
});
