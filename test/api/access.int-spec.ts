import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

/**
 * Every endpoint outside /api/ledger (the ledger has its own suite) against three callers: no
 * token (401), a token from the wrong branch (what an unknown id gets: 404, or 400 for a unit;
 * 403 only where no object is named), a token of the right branch (not 401/403/404). Each
 * refusal is in the audit trail.
 */
describe('api: access control on every endpoint', () => {
  let api: ApiHarness;
  let own: SuiteUser;
  let wrong: SuiteUser;
  let instanceId: string;
  let taskId: string;
  let incidentKey: string;
  let notificationId: string;
  let key: string;

  beforeAll(async () => {
    api = await startApi();
    key = `access-${api.tag}`;
    own = await api.user(`own-${api.tag}`, [{ role: 'secretary', orgUnitId: api.org.branchA }]);
    wrong = await api.user(`wrong-${api.tag}`, [{ role: 'secretary', orgUnitId: api.org.branchB }]);
    for (const xml of [fixtures.sequence(key, ['A', 'B']), fixtures.gateway(`${key}-gw`)]) {
      const deployed = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(xml);
      expect(deployed.status).toBe(201);
    }
    const started = await own.http.post('/api/instances').send({ templateKey: key });
    expect(started.status).toBe(201);
    instanceId = (started.body as { id: string }).id;
    taskId = (started.body as { openTasks: { id: string }[] }).openTasks[0].id;
    const broken = await own.http.post('/api/instances').send({ templateKey: `${key}-gw` });
    incidentKey = (broken.body as { incidents: { key: string }[] }).incidents[0].key;
    const [row] = await api.dataSource.query<{ id: string }[]>(
      `INSERT INTO notifications (recipient, kind, title, body, dedupe_key, instance_id)
       VALUES ('group:secretary', 'task.reminder', 'remind', 'please act', $1, $2) RETURNING id`,
      [`access-${api.tag}`, instanceId],
    );
    notificationId = row.id;
  });

  afterAll(async () => {
    await api.close();
  });

  type Call = [string, string, object?];
  const calls = (): Call[] => [
    ['GET', `/api/instances/${instanceId}`],
    ['GET', `/api/instances/${instanceId}/history`],
    ['GET', `/api/instances?orgUnitId=${api.org.branchA}`],
    ['POST', '/api/instances', { templateKey: key, orgUnitId: api.org.branchA }],
    ['POST', `/api/instances/${instanceId}/incidents/${incidentKey}/resolve`, {}],
    ['GET', `/api/tasks?orgUnitId=${api.org.branchA}`],
    ['GET', `/api/tasks?instanceId=${instanceId}`],
    ['GET', `/api/tasks/${taskId}`],
    ['POST', `/api/tasks/${taskId}/claim`],
    ['POST', `/api/tasks/${taskId}/complete`, {}],
    ['POST', `/api/notifications/${notificationId}/read`],
    ['GET', `/api/notifications?recipient=${own.userId}`],
    ['POST', `/api/instances/${instanceId}/cancel`],
  ];
  const send = (client: ApiHarness['anonymous'], [method, path, body]: Call) =>
    method === 'GET' ? client.get(path) : client.post(path).send(body ?? {});

  it('401 without a token, on every endpoint but health', async () => {
    for (const call of [
      ...calls(),
      ['GET', '/api/templates'] as Call,
      ['GET', `/api/templates/${key}`] as Call,
      ['GET', '/api/audit/verify'] as Call,
    ]) {
      const response = await send(api.anonymous, call);
      expect({ call, status: response.status }).toEqual({ call, status: 401 });
    }
    expect((await api.anonymous.get('/api/health')).status).toBe(200);
    const bad = await api.anonymous.get('/api/tasks').set('Authorization', 'Bearer bf_not-a-token');
    expectError(bad, 401);
  });

  it('a token of the wrong branch gets what an unknown id gets, each refusal audited', async () => {
    // In the order of calls(): out of scope is absent
    const expected = [404, 404, 400, 400, 404, 400, 200, 404, 404, 404, 404, 403, 404];
    const before = await refusals(wrong.userId);
    for (const [index, call] of calls().entries()) {
      const response = await send(wrong.http, call);
      expect({ call, status: response.status }).toEqual({ call, status: expected[index] });
    }
    expect((await refusals(wrong.userId)) - before).toBe(calls().length);
  });

  it('403 for roles that do not deploy templates or verify the audit trail', async () => {
    const deploy = await own.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(`${key}-other`, ['A']));
    expectError(deploy, 403);
    expectError(await own.http.get('/api/audit/verify'), 403);
    // Reading templates is open to every signed-in user
    expect((await own.http.get(`/api/templates/${key}`)).status).toBe(200);
  });

  it('the right branch passes the same checks', async () => {
    for (const call of calls()) {
      const response = await send(own.http, call);
      expect({ call, ok: ![401, 403, 404].includes(response.status) }).toEqual({ call, ok: true });
    }
  });

  const refusals = async (actor: string) => {
    const [row] = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'access.refused' AND actor = $1`,
      [actor],
    );
    return row.n;
  };
});
