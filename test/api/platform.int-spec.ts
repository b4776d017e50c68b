import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { type ApiHarness, expectError, startApi } from './api-harness.js';
import { fixtures } from './fixtures.js';

interface Notification {
  id: string;
  title: string;
  readAt: string | null;
}

describe('api: health, OpenAPI, audit, notifications and the error body', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
  });

  afterAll(async () => {
    await api.close();
  });

  describe('health', () => {
    it('answers 200 when PostgreSQL and Redis answer', async () => {
      const response = await api.http.get('/api/health');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        status: 'ok',
        checks: [
          { check: 'postgres', status: 'up', latencyMs: expect.any(Number) },
          { check: 'redis', status: 'up', latencyMs: expect.any(Number) },
        ],
      });
    });

    it('answers 503 naming Redis when Redis does not answer', async () => {
      const broken = await startApi({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
      try {
        const response = await broken.http.get('/api/health');
        const body = expectError(response, 503, 'SERVICE_UNAVAILABLE');
        expect(body.message).toBe('服务暂时不可用：redis 无法连接');
        expect(body.details).toEqual([
          expect.objectContaining({ check: 'postgres', status: 'up' }),
          expect.objectContaining({ check: 'redis', status: 'down', message: expect.any(String) }),
        ]);
      } finally {
        await broken.close();
      }
    });
  });

  it('serves the OpenAPI document and its UI at /api/docs', async () => {
    const json = await api.http.get('/api/docs-json');
    expect(json.status).toBe(200);
    const document = json.body as {
      openapi: string;
      paths: Record<string, Record<string, { description?: string }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/api/templates',
        '/api/templates/{key}',
        '/api/instances',
        '/api/instances/{id}',
        '/api/instances/{id}/history',
        '/api/instances/{id}/cancel',
        '/api/tasks',
        '/api/tasks/{id}/claim',
        '/api/tasks/{id}/complete',
        '/api/audit/verify',
        '/api/notifications',
        '/api/notifications/{id}/read',
        '/api/health',
      ]),
    );
    // The business-key choice is documented
    expect(document.paths['/api/instances'].post.description).toContain('409');
    const ui = await api.http.get('/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('verifies the audit trail', async () => {
    const key = `audit-${api.tag}`;
    await api.http
      .post('/api/templates')
      .set('Content-Type', 'application/xml')
      .send(fixtures.sequence(key, ['A']))
      .expect(201);
    const instance = await api.http.post('/api/instances').send({ templateKey: key }).expect(201);
    const started = instance.body as { id: string; openTasks: { id: string }[] };
    await api.http.post(`/api/tasks/${started.openTasks[0].id}/complete`).send({}).expect(200);

    const one = await api.http.get(`/api/audit/verify?stream=${started.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ ok: true, streams: 1, events: expect.any(Number), broken: null });
    const system = await api.http.get('/api/audit/verify?stream=system');
    expect(system.body).toEqual(expect.objectContaining({ ok: true, streams: 1 }));
    // The whole trail (other suites share this run's database, so only the shape is certain)
    const all = await api.http.get('/api/audit/verify');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      ok: expect.any(Boolean),
      streams: expect.any(Number),
      events: expect.any(Number),
      broken: (all.body as { ok: boolean }).ok
        ? null
        : expect.objectContaining({ id: expect.any(String) }),
    });
  });

  it('lists a recipient’s inbox, unread only on request, and marks notifications read', async () => {
    const reader = await api.user(`reader-${api.tag}`, [
      { role: 'member', orgUnitId: api.org.branchA },
    ]);
    const recipient = reader.userId;
    const ids: string[] = [];
    for (const [i, title] of ['first', 'second', 'third'].entries()) {
      const [row] = await api.dataSource.query<{ id: string }[]>(
        `INSERT INTO notifications (recipient, kind, title, body, dedupe_key, created_at)
         VALUES ($1, 'task.reminder', $2, 'please act', $3, $4) RETURNING id`,
        [recipient, title, `${recipient}-${i}`, new Date(Date.UTC(2026, 2, 1 + i))],
      );
      ids.push(row.id);
    }
    const inbox = await reader.http.get(`/api/notifications?recipient=${recipient}`);
    expect(inbox.status).toBe(200);
    expect(inbox.body).toEqual(
      expect.objectContaining({ total: 3, unread: 3, page: 1, pageSize: 20 }),
    );
    expect((inbox.body as { items: Notification[] }).items.map((n) => n.title)).toEqual([
      'third',
      'second',
      'first',
    ]);

    // Nobody else reads or marks them
    expectError(await api.http.get(`/api/notifications?recipient=${recipient}`), 403);
    // Someone else's notice is answered as a missing one
    expectError(await api.http.post(`/api/notifications/${ids[1]}/read`), 404);
    const read = await reader.http.post(`/api/notifications/${ids[1]}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(
      expect.objectContaining({ id: ids[1], recipient, readAt: '2026-03-02T01:00:00.000Z' }),
    );
    api.clock.advance(3600_000);
    const again = await reader.http.post(`/api/notifications/${ids[1]}/read`);
    expect((again.body as Notification).readAt).toBe('2026-03-02T01:00:00.000Z');

    const unread = await reader.http.get(`/api/notifications?unread=true`);
    expect(unread.body).toEqual(expect.objectContaining({ total: 2, unread: 2 }));
    expect((unread.body as { items: Notification[] }).items.map((n) => n.title)).toEqual([
      'third',
      'first',
    ]);
    expectError(await reader.http.post(`/api/notifications/${randomUUID()}/read`), 404);
    expectError(await api.anonymous.get('/api/notifications'), 401);
  });

  describe('the error body', () => {
    it('400: validation, with one detail per field', async () => {
      const body = expectError(
        await api.http.post('/api/instances').send({ templateKey: 42, surplus: 1 }),
        400,
        'VALIDATION_FAILED',
      );
      expect(body.details).toEqual([
        { field: 'surplus', message: '不接受字段 surplus' },
        { field: 'templateKey', message: expect.stringContaining('templateKey 必须是文本') },
      ]);
      expect(body.message).toBe(
        '请求内容有误：不接受字段 surplus；templateKey 必须是文本；templateKey 最多 200 个字符',
      );
    });

    it('400: malformed JSON', async () => {
      const body = expectError(
        await api.http
          .post('/api/instances')
          .set('Content-Type', 'application/json')
          .send('{"templateKey": '),
        400,
      );
      expect(body).toEqual(
        expect.objectContaining({ code: 'MALFORMED_JSON', message: '请求内容不是有效的 JSON' }),
      );
    });

    it('404: an unknown route, and an unknown resource', async () => {
      const route = expectError(await api.http.get('/api/no-such-thing'), 404, 'NOT_FOUND');
      expect(route.message).toBe('未找到请求的内容');
      expectError(await api.http.delete('/api/templates'), 404);
      expectError(await api.http.get(`/api/tasks/${randomUUID()}`), 404, 'TASK_NOT_FOUND');
    });

    it('409 and 422 from the runtime, with their code', async () => {
      const key = `errors-${api.tag}`;
      await api.http
        .post('/api/templates')
        .set('Content-Type', 'text/xml')
        .send(fixtures.sequence(key, ['A']))
        .expect(201);
      await api.http.post('/api/instances').send({ templateKey: key, businessKey: 'x' });
      expectError(
        await api.http.post('/api/instances').send({ templateKey: key, businessKey: 'x' }),
        409,
        'DUPLICATE_BUSINESS_KEY',
      );
      expectError(
        await api.http
          .post('/api/templates')
          .set('Content-Type', 'application/xml')
          .send('<not-bpmn/>'),
        422,
        'TEMPLATE_INVALID',
      );
    });

    it('413: a JSON body over the limit', async () => {
      expectError(
        await api.http
          .post('/api/instances')
          .send({ templateKey: 'x', variables: { big: 'a'.repeat(1024 * 1024) } }),
        413,
      );
    });
  });
});
