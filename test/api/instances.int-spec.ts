import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

interface Instance {
  id: string;
  state: string;
  openTasks: { id: string; elementId: string }[];
}

describe('api: instances', () => {
  let api: ApiHarness;
  let key: string;

  beforeAll(async () => {
    api = await startApi();
    key = `inst-${api.tag}`;
    for (const xml of [
      fixtures.sequence(key, ['First', 'Second']),
      fixtures.sequence(`${key}-other`, ['Only']),
      fixtures.gateway(`${key}-gateway`),
    ]) {
      const response = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(xml);
      expect(response.status).toBe(201);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const start = (body: object) => api.http.post('/api/instances').send(body);

  it('starts an instance (201) and shows it with its open tasks and variables', async () => {
    const started = await start({
      templateKey: key,
      businessKey: `${key}:b1`,
      orgUnitId: api.org.branchA,
      variables: { branch: 'b1', members: [1, 2], meta: { nested: true } },
    });
    expect(started.status).toBe(201);
    const expected = {
      id: expect.any(String),
      templateKey: key,
      version: 1,
      businessKey: `${key}:b1`,
      orgUnitId: api.org.branchA,
      state: 'active',
      startedBy: api.admin.userId,
      variables: { branch: 'b1', members: [1, 2], meta: { nested: true } },
      openTasks: [
        {
          id: expect.any(String),
          kind: 'user',
          elementId: 'First',
          name: 'First step',
          assignee: null,
          candidateGroups: [],
          dueAt: null,
          claimedBy: null,
        },
      ],
      incidents: [],
      createdAt: '2026-03-02T01:00:00.000Z',
      updatedAt: '2026-03-02T01:00:00.000Z',
      endedAt: null,
    };
    expect(started.body).toEqual(expected);
    const { id } = started.body as Instance;
    const fetched = await api.http.get(`/api/instances/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({ ...expected, id });
  });

  it('refuses a repeated business key for the same template with 409, not for another template', async () => {
    const businessKey = `${key}:repeat`;
    expect((await start({ templateKey: key, businessKey })).status).toBe(201);
    const again = await start({ templateKey: key, businessKey });
    const body = expectError(again, 409, 'DUPLICATE_BUSINESS_KEY');
    expect(body.message).toContain(businessKey);
    expect((await start({ templateKey: `${key}-other`, businessKey })).status).toBe(201);
    // And the existing one is found by its business key
    const found = await api.http.get(
      `/api/instances?templateKey=${key}&businessKey=${encodeURIComponent(businessKey)}`,
    );
    expect(found.body).toEqual(
      expect.objectContaining({ total: 1, items: [expect.objectContaining({ businessKey })] }),
    );
  });

  it('answers 404 for an unknown template or instance and 400 for a bad body or id', async () => {
    expectError(await start({ templateKey: `${key}-missing` }), 404, 'TEMPLATE_NOT_FOUND');
    expectError(await api.http.get(`/api/instances/${randomUUID()}`), 404, 'INSTANCE_NOT_FOUND');
    const badId = expectError(
      await api.http.get('/api/instances/not-a-uuid'),
      400,
      'VALIDATION_FAILED',
    );
    expect(badId.details).toEqual([{ field: 'id', message: 'id 必须是 UUID' }]);
    expect(badId.message).toBe('请求内容有误：id 必须是 UUID');
    const badBody = expectError(await start({ templateKey: '', variables: 'x', extra: true }), 400);
    expect(badBody.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'templateKey' }),
        { field: 'variables', message: 'variables 必须是 JSON 对象' },
        { field: 'extra', message: '不接受字段 extra' },
      ]),
    );
  });

  it('shows incidents from the engine state', async () => {
    const started = await start({ templateKey: `${key}-gateway` });
    expect(started.status).toBe(201);
    expect(started.body).toEqual(
      expect.objectContaining({
        state: 'incident',
        openTasks: [],
        incidents: [
          {
            key: expect.any(String),
            elementId: 'Decide',
            message: expect.any(String),
            createdAt: expect.any(String),
          },
        ],
      }),
    );
    // When the missing variable is supplied through the resolve endpoint, the gateway decides
    const { id, incidents } = started.body as { id: string; incidents: { key: string }[] };
    const other = await api.user(`resolver-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
    ]);
    const path = `/api/instances/${id}/incidents/${incidents[0].key}/resolve`;
    // Out of scope is absent: the same 404 as an unknown instance
    expectError(await other.http.post(path).send({ variables: { score: 70 } }), 404);
    const resolved = await api.http.post(path).send({ variables: { score: 70 } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual(expect.objectContaining({ incidents: [] }));
    expect((resolved.body as { state: string }).state).not.toBe('incident');
    expect((await api.http.post(path).send({})).status).toBeGreaterThanOrEqual(400);
  });

  it('cancels an active instance (200), refuses to cancel it again (409), and records it in the history', async () => {
    const started = (await start({ templateKey: key })).body as Instance;
    const cancelled = await api.http.post(`/api/instances/${started.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual(
      expect.objectContaining({ id: started.id, state: 'terminated', openTasks: [] }),
    );
    expectError(
      await api.http.post(`/api/instances/${started.id}/cancel`),
      409,
      'INSTANCE_NOT_ACTIVE',
    );
    expectError(
      await api.http.post(`/api/instances/${randomUUID()}/cancel`),
      404,
      'INSTANCE_NOT_FOUND',
    );
    const [task] = await api.dataSource.query<{ state: string }[]>(
      `SELECT state FROM tasks WHERE id = $1`,
      [started.openTasks[0].id],
    );
    expect(task).toEqual({ state: 'cancelled' });

    const history = await api.http.get(`/api/instances/${started.id}/history`);
    expect(history.status).toBe(200);
    const items = (history.body as { items: { seq: number; type: string; actor: string }[] }).items;
    expect(items.map((item) => item.seq)).toEqual(items.map((_, i) => i + 1));
    expect(items[0]).toEqual(
      expect.objectContaining({ seq: 1, type: 'instance.started', actor: api.admin.userId }),
    );
    expect(items.map((item) => item.type)).toEqual(
      expect.arrayContaining(['task.created', 'instance.cancelled', 'task.cancelled']),
    );
    expect(items.find((item) => item.type === 'instance.cancelled')?.actor).toBe(api.admin.userId);
    expectError(
      await api.http.get(`/api/instances/${randomUUID()}/history`),
      404,
      'INSTANCE_NOT_FOUND',
    );

    // And the instance's chain verifies
    const verify = await api.http.get(`/api/audit/verify?stream=${started.id}`);
    expect(verify.body).toEqual({ ok: true, streams: 1, events: items.length, broken: null });
  });

  it('lists instances by template and state, paginated', async () => {
    const listKey = `${key}-other`;
    const page = await api.http.get(
      `/api/instances?templateKey=${listKey}&state=active&pageSize=1&page=1`,
    );
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      items: [expect.objectContaining({ templateKey: listKey, state: 'active' })],
      total: 1,
      page: 1,
      pageSize: 1,
    });
    const beyond = await api.http.get(`/api/instances?templateKey=${listKey}&page=5`);
    expect(beyond.body).toEqual(expect.objectContaining({ items: [], total: 1 }));
    expectError(await api.http.get('/api/instances?state=sleeping'), 400);
  });

  it('answers a token from the wrong branch as for a missing instance (404) and refuses no token (401)', async () => {
    const started = (await start({ templateKey: key, orgUnitId: api.org.branchA }))
      .body as Instance;
    const other = await api.user(`other-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
    ]);
    const own = await api.user(`own-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    expectError(await other.http.get(`/api/instances/${started.id}`), 404, 'INSTANCE_NOT_FOUND');
    expectError(
      await other.http.get(`/api/instances/${started.id}/history`),
      404,
      'INSTANCE_NOT_FOUND',
    );
    expectError(
      await other.http.post(`/api/instances/${started.id}/cancel`),
      404,
      'INSTANCE_NOT_FOUND',
    );
    // A unit outside the scope is answered as an unknown unit, to start in as to list by
    const outside = expectError(
      await other.http
        .post('/api/instances')
        .send({ templateKey: key, orgUnitId: api.org.branchA }),
      400,
    );
    const unknown = expectError(
      await other.http.post('/api/instances').send({ templateKey: key, orgUnitId: 'no-such-unit' }),
      400,
    );
    expect(JSON.stringify(outside).replaceAll(api.org.branchA, 'X')).toBe(
      JSON.stringify(unknown).replaceAll('no-such-unit', 'X'),
    );
    expectError(await other.http.get(`/api/instances?orgUnitId=${api.org.branchA}`), 400);
    const listed = await other.http.get('/api/instances');
    expect((listed.body as { items: Instance[] }).items.map((item) => item.id)).not.toContain(
      started.id,
    );
    // The branch's own secretary reads it, and starts in its own branch by default
    expect((await own.http.get(`/api/instances/${started.id}`)).status).toBe(200);
    const mine = await own.http.post('/api/instances').send({ templateKey: key });
    expect(mine.status).toBe(201);
    expect((mine.body as { orgUnitId: string }).orgUnitId).toBe(api.org.branchA);
    expectError(
      await own.http.post('/api/instances').send({ templateKey: key, orgUnitId: 'no-such-unit' }),
      400,
    );
    for (const path of [`/api/instances/${started.id}`, '/api/instances']) {
      expectError(await api.anonymous.get(path), 401);
    }
    expectError(await api.anonymous.post('/api/instances').send({ templateKey: key }), 401);
    const refusals = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events WHERE type = 'access.refused' AND actor = $1`,
      [other.userId],
    );
    expect(refusals[0]?.n).toBe(5);
  });
  it('lists with names and open steps, by unit (and those below), business key and start time', async () => {
    const businessKey = `${key}:names`;
    const started = (await start({ templateKey: key, businessKey, orgUnitId: api.org.branchB }))
      .body as Instance;
    const byKey = await api.http.get(
      `/api/instances?businessKey=${encodeURIComponent(businessKey)}`,
    );
    expect(byKey.status).toBe(200);
    expect(byKey.body).toEqual(
      expect.objectContaining({
        total: 1,
        items: [
          expect.objectContaining({
            id: started.id,
            // the fixture's process has no name
            templateName: null,
            orgUnitName: '第二支部',
            openTaskNames: ['First step'],
          }),
        ],
      }),
    );
    const ids = async (query: string) =>
      (
        (await api.http.get(`/api/instances?templateKey=${key}&pageSize=100&${query}`)).body as {
          items: { id: string }[];
        }
      ).items.map((item) => item.id);
    expect(await ids(`orgUnitId=${api.org.branchB}`)).toContain(started.id);
    expect(await ids(`orgUnitId=${api.org.general}`)).not.toContain(started.id);
    expect(await ids(`orgUnitId=${api.org.general}&includeSubUnits=true`)).toContain(started.id);
    expect(await ids(`orgUnitId=${api.org.branchA}&includeSubUnits=true`)).not.toContain(
      started.id,
    );
    // The suite's clock stands at 2026-03-02T01:00Z
    expect(
      await ids('startedFrom=2026-03-02T00:00:00Z&startedBefore=2026-03-03T00:00:00Z'),
    ).toContain(started.id);
    expect(await ids('startedFrom=2026-03-02T01:00:00.001Z')).not.toContain(started.id);
    expect(await ids('startedBefore=2026-03-02T01:00:00Z')).not.toContain(started.id);
    expectError(await api.http.get('/api/instances?startedFrom=yesterday'), 400);
    expectError(await api.http.get('/api/instances?includeSubUnits=maybe'), 400);
  });

  it('answers the diagram with per-element counts, scoped as the instance', async () => {
    const started = (
      await start({
        templateKey: key,
        orgUnitId: api.org.branchA,
        variables: {
          branchId: api.org.branchA,
          note: 'no id',
          nested: [{ unit: api.org.general }],
        },
      })
    ).body as Instance;
    const completed = await api.http
      .post(`/api/tasks/${started.openTasks[0].id}/complete`)
      .send({ variables: {} });
    expect(completed.status).toBe(200);
    const diagram = await api.http.get(`/api/instances/${started.id}/diagram`);
    expect(diagram.status).toBe(200);
    const body = diagram.body as {
      xml: string;
      templateKey: string;
      version: number;
      templateName: string | null;
      orgUnitName: string | null;
      elements: { elementId: string; completed: number; active: number; incidents: number }[];
    };
    expect(body).toEqual(
      expect.objectContaining({ templateKey: key, version: 1, orgUnitName: expect.any(String) }),
    );
    expect(body.xml).toContain('<bpmn:definitions');
    // the fixture's tasks have no forms: no labels
    expect((diagram.body as { labels: Record<string, string> }).labels).toEqual({});
    // the ids the variables hold, named (anywhere in them); other texts are not
    expect((diagram.body as { names: Record<string, string> }).names).toEqual({
      [api.org.branchA]: '第一支部',
      [api.org.general]: '党总支',
    });
    const byId = new Map(body.elements.map((e) => [e.elementId, e]));
    expect(byId.get('First')).toEqual({
      elementId: 'First',
      completed: 1,
      active: 0,
      incidents: 0,
    });
    expect(byId.get('Second')).toEqual({
      elementId: 'Second',
      completed: 0,
      active: 1,
      incidents: 0,
    });

    const gateway = (await start({ templateKey: `${key}-gateway` })).body as Instance & {
      incidents: { elementId: string }[];
    };
    const blocked = (await api.http.get(`/api/instances/${gateway.id}/diagram`))
      .body as typeof body;
    const incidentAt = gateway.incidents[0].elementId;
    expect(blocked.elements.find((e) => e.elementId === incidentAt)).toEqual(
      expect.objectContaining({ incidents: 1 }),
    );

    const other = await api.user(`diagram-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
    ]);
    expectError(
      await other.http.get(`/api/instances/${started.id}/diagram`),
      404,
      'INSTANCE_NOT_FOUND',
    );
    expectError(
      await api.http.get(`/api/instances/${randomUUID()}/diagram`),
      404,
      'INSTANCE_NOT_FOUND',
    );
  });

  it('keeps the reason given for cancelling in the history', async () => {
    const started = (await start({ templateKey: key })).body as Instance;
    const reason = '计划调整，与上级组织的活动合并开展';
    const cancelled = await api.http.post(`/api/instances/${started.id}/cancel`).send({ reason });
    expect(cancelled.status).toBe(200);
    const history = (await api.http.get(`/api/instances/${started.id}/history`)).body as {
      items: { type: string; data: Record<string, unknown> }[];
    };
    expect(history.items.find((item) => item.type === 'instance.cancelled')?.data).toEqual({
      reason,
    });
    const long = await start({ templateKey: key });
    expectError(
      await api.http
        .post(`/api/instances/${(long.body as Instance).id}/cancel`)
        .send({ reason: 'x'.repeat(501) }),
      400,
    );
  });
});
