import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, startApi } from '../api/api-harness.js';
import { fixtures } from '../api/fixtures.js';

/**
 * Issue 13, finding 10: out of scope is absent. A caller outside an object's scope gets exactly
 * what a caller asking for a missing object gets — same status, same body (the id aside), same
 * content type — learns nothing of it (not its unit), and causes no effect on it. The audit
 * keeps the truth: each refusal is an `access.refused` event naming the real unit.
 */
describe('security: an object outside the caller’s scope is indistinguishable from a missing one', () => {
  let api: ApiHarness;
  let outsider: SuiteUser;
  let member: SuiteUser;
  let instanceId: string;
  let taskId: string;
  let incidentKey: string;
  let brokenId: string;
  let itemId: string;
  let attachmentId: string;
  let notificationId: string;

  beforeAll(async () => {
    api = await startApi();
    const key = `existence-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    for (const xml of [fixtures.sequence(key, ['A', 'B']), fixtures.gateway(`${key}-gw`)]) {
      const deployed = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(xml);
      expect(deployed.status).toBe(201);
    }
    outsider = await api.user(`outsider-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchB },
      { role: 'supervisor', orgUnitId: api.org.branchB },
    ]);
    member = await api.user(`member-${api.tag}`, [{ role: 'member', orgUnitId: api.org.branchA }]);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    instanceId = (started.body as { id: string }).id;
    taskId = (started.body as { openTasks: { id: string }[] }).openTasks[0].id;
    const broken = await api.http
      .post('/api/instances')
      .send({ templateKey: `${key}-gw`, orgUnitId: api.org.branchA });
    brokenId = (broken.body as { id: string }).id;
    incidentKey = (broken.body as { incidents: { key: string }[] }).incidents[0].key;
    const items = await api.http.get(`/api/ledger/items?instanceId=${instanceId}`);
    itemId = (items.body as { items: { id: string }[] }).items[0].id;
    const uploaded = await api.http
      .post(`/api/ledger/items/${itemId}/attachments?fileName=plan.pdf`)
      .set('Content-Type', 'application/pdf')
      .send(Buffer.from('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'));
    expect(uploaded.status).toBe(201);
    attachmentId = (uploaded.body as { id: string }).id;
    const [row] = await api.dataSource.query<{ id: string }[]>(
      `INSERT INTO notifications (recipient, kind, title, body, dedupe_key, instance_id)
       VALUES ('group:secretary', 'task.reminder', 'remind', 'please act', $1, $2) RETURNING id`,
      [`existence-${api.tag}`, instanceId],
    );
    notificationId = row.id;
  });

  afterAll(async () => {
    await api.close();
  });

  type Call = readonly [method: 'GET' | 'POST', path: string, body?: object];
  const send = (user: SuiteUser, [method, path, body]: Call) => {
    if (method === 'GET') return user.http.get(path);
    if (path.endsWith('/attachments') || path.includes('/attachments?')) {
      return user.http.post(path).set('Content-Type', 'text/plain').send(Buffer.from('x'));
    }
    return user.http.post(path).send(body ?? {});
  };

  /** What a client can compare: status, content type and the body with `ids` made generic. */
  const seen = async (user: SuiteUser, call: Call, ids: readonly string[]) => {
    const response = await send(user, call);
    const generic = (value: unknown): unknown => {
      if (typeof value === 'string') {
        // Longest first: an incident key is a short number that may occur inside a uuid
        return [...ids]
          .sort((x, y) => y.length - x.length)
          .reduce((text, id) => text.split(id).join('<id>'), value);
      }
      if (Array.isArray(value)) return value.map(generic);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, generic(v)]));
      }
      return value;
    };
    return {
      status: response.status,
      contentType: String(response.headers['content-type']),
      body: generic(response.body),
    };
  };

  /** [kind, the call on the real object, the same call on a missing one, the ids in them]. */
  const pairs = (): [string, Call, Call, string[]][] => {
    const none = randomUUID();
    const otherNone = randomUUID();
    const objects: [string, (id: string, sub: string) => Call, string, string][] = [
      ['instance', (id) => ['GET', `/api/instances/${id}`], instanceId, ''],
      ['instance history', (id) => ['GET', `/api/instances/${id}/history`], instanceId, ''],
      ['instance cancel', (id) => ['POST', `/api/instances/${id}/cancel`], instanceId, ''],
      [
        'incident resolve',
        (id, sub) => ['POST', `/api/instances/${id}/incidents/${sub}/resolve`, {}],
        brokenId,
        incidentKey,
      ],
      ['task', (id) => ['GET', `/api/tasks/${id}`], taskId, ''],
      ['task claim', (id) => ['POST', `/api/tasks/${id}/claim`], taskId, ''],
      ['task complete', (id) => ['POST', `/api/tasks/${id}/complete`, {}], taskId, ''],
      ['ledger item', (id) => ['GET', `/api/ledger/items/${id}`], itemId, ''],
      [
        'ledger progress',
        (id) => ['POST', `/api/ledger/items/${id}/progress`, { note: 'n' }],
        itemId,
        '',
      ],
      [
        'ledger upload',
        (id) => ['POST', `/api/ledger/items/${id}/attachments?fileName=x.txt`],
        itemId,
        '',
      ],
      [
        'ledger download',
        (id, sub) => ['GET', `/api/ledger/items/${id}/attachments/${sub}`],
        itemId,
        attachmentId,
      ],
      [
        'ledger submit',
        (id) => ['POST', `/api/ledger/items/${id}/submit`, { note: 'n' }],
        itemId,
        '',
      ],
      ['ledger verify', (id) => ['POST', `/api/ledger/items/${id}/verify`, {}], itemId, ''],
      [
        'ledger reject',
        (id) => ['POST', `/api/ledger/items/${id}/reject`, { reason: 'r' }],
        itemId,
        '',
      ],
      [
        'ledger reopen',
        (id) => ['POST', `/api/ledger/items/${id}/reopen`, { reason: 'r' }],
        itemId,
        '',
      ],
      ['notification read', (id) => ['POST', `/api/notifications/${id}/read`], notificationId, ''],
    ];
    const unit = api.org.branchA;
    const unknownUnit = `no-such-unit-${api.tag}`;
    const units: [string, (unit: string) => Call][] = [
      ['instances by unit', (u) => ['GET', `/api/instances?orgUnitId=${u}`]],
      ['tasks by unit', (u) => ['GET', `/api/tasks?orgUnitId=${u}`]],
      ['ledger by unit', (u) => ['GET', `/api/ledger/items?orgUnitId=${u}`]],
      ['overdue by unit', (u) => ['GET', `/api/ledger/overdue?orgUnitId=${u}`]],
      [
        'rollup by unit',
        (u) => ['GET', `/api/ledger/rollup?period=month&from=2026-03&to=2026-03&orgUnitId=${u}`],
      ],
      ['csv by unit', (u) => ['GET', `/api/ledger/export.csv?orgUnitId=${u}`]],
      [
        'new ledger item in unit',
        (u) => [
          'POST',
          '/api/ledger/items',
          {
            list: 'problem',
            title: 't',
            standard: 's',
            orgUnitId: u,
            responsible: 'r',
            assessingUnitId: api.org.general,
            dueAt: '2026-04-30',
          },
        ],
      ],
    ];
    return [
      ...objects.map(([kind, call, id, sub]): [string, Call, Call, string[]] => [
        kind,
        call(id, sub),
        call(none, sub === '' ? '' : otherNone),
        [id, sub, none, otherNone].filter((value) => value !== ''),
      ]),
      ...units.map(([kind, call]): [string, Call, Call, string[]] => [
        kind,
        call(unit),
        call(unknownUnit),
        [unit, unknownUnit],
      ]),
      [
        'tasks of an instance',
        ['GET', `/api/tasks?instanceId=${instanceId}`],
        ['GET', `/api/tasks?instanceId=${none}`],
        [instanceId, none],
      ],
    ];
  };

  it.each([
    ['a secretary and supervisor of another branch', () => outsider],
    ['a member of the branch (nothing assigned)', () => member],
  ])('%s gets, field by field, what a missing object gets', async (_, who) => {
    const user = who();
    for (const [kind, real, missing, ids] of pairs()) {
      const hidden = await seen(user, real, ids);
      const absent = await seen(user, missing, ids);
      expect({ kind, ...hidden }).toEqual({ kind, ...absent });
      expect({ kind, leaks: JSON.stringify(hidden.body).includes(api.org.branchA) }).toEqual({
        kind,
        leaks: false,
      });
      expect([kind, [200, 400, 404].includes(hidden.status)]).toEqual([kind, true]);
    }
  });

  it('causes no effect, and the audit keeps the truth (the real unit)', async () => {
    for (const [, real, , ids] of pairs()) await seen(outsider, real, ids);
    // The probes are recorded with the real unit (repeated ones may be aggregated)
    const recorded = await refusals(outsider.userId);
    expect(
      recorded.some(
        (data) => data.includes(`instance '${instanceId}'`) && data.includes(api.org.branchA),
      ),
    ).toBe(true);
    const instance = await api.http.get(`/api/instances/${instanceId}`);
    expect((instance.body as { state: string }).state).toBe('active');
    const task = await api.http.get(`/api/tasks/${taskId}`);
    expect(task.body).toEqual(expect.objectContaining({ state: 'open', claimedBy: null }));
    const item = await api.http.get(`/api/ledger/items/${itemId}`);
    expect(item.body).toEqual(
      expect.objectContaining({
        state: 'open',
        attachments: [expect.objectContaining({ id: attachmentId })],
      }),
    );
    const broken = await api.http.get(`/api/instances/${brokenId}`);
    expect((broken.body as { incidents: unknown[] }).incidents).toHaveLength(1);
    const reads = await api.dataSource.query<unknown[]>(
      `SELECT 1 FROM notification_reads WHERE notification_id = $1`,
      [notificationId],
    );
    expect(reads).toEqual([]);
  });

  it('keeps 403 where the caller sees the object but may not do the step', async () => {
    // A secretary of branch A reads the item but may not close it (销号 is a supervisor's)
    const secretary = await api.user(`secretary-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    expect((await secretary.http.get(`/api/ledger/items/${itemId}`)).status).toBe(200);
    expect((await secretary.http.post(`/api/ledger/items/${itemId}/verify`).send({})).status).toBe(
      403,
    );
  });

  const refusals = async (actor: string): Promise<string[]> => {
    const rows = await api.dataSource.query<{ data: unknown }[]>(
      `SELECT data FROM audit_events WHERE type = 'access.refused' AND actor = $1`,
      [actor],
    );
    return rows.map((row) => JSON.stringify(row.data));
  };
});
