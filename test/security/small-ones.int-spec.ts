import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';
import { fixtures } from '../api/fixtures.js';

/**
 * Issue 13, finding 11, the small ones: the OpenAPI document is public by decision (and free of
 * real ids); members read only the templates their open tasks need; read state of a notice is
 * per person; evidence is served as what its bytes are (or as octet-stream), never as HTML,
 * and file names with control or bidirectional characters are refused.
 */
describe('security: the small ones', () => {
  let api: ApiHarness;
  let key: string;
  let otherKey: string;
  let memberA: SuiteUser;
  let memberB: SuiteUser;
  let instanceId: string;

  beforeAll(async () => {
    api = await startApi();
    key = `small-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    otherKey = `${key}-other`;
    for (const xml of [fixtures.sequence(key, ['A', 'B']), fixtures.sequence(otherKey, ['A'])]) {
      const deployed = await api.http
        .post('/api/templates')
        .set('Content-Type', 'application/xml')
        .send(xml);
      expect(deployed.status).toBe(201);
    }
    memberA = await api.user(`member-a-${api.tag}`, [
      { role: 'member', orgUnitId: api.org.branchA },
    ]);
    memberB = await api.user(`member-b-${api.tag}`, [
      { role: 'member', orgUnitId: api.org.branchA },
    ]);
    const started = await api.http
      .post('/api/instances')
      .send({ templateKey: key, orgUnitId: api.org.branchA });
    expect(started.status).toBe(201);
    instanceId = (started.body as { id: string }).id;
  });

  afterAll(async () => {
    await api.close();
  });

  describe('the OpenAPI document (public by decision)', () => {
    it('is served without a token, and names no real id', async () => {
      const document = await api.anonymous.get('/api/docs-json');
      expect(document.status).toBe(200);
      const text = JSON.stringify(document.body);
      expect(text).toContain('"openapi"');
      // Examples carry no uuid at all (a real id would be one), nor a unit or token of the
      // database
      expect(
        text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi),
      ).toBeNull();
      expect(text).not.toContain('bf_dev_');
      expect(text).not.toContain(api.org.branchA);
      expect((await api.anonymous.get('/api/docs')).status).toBe(200);
    });
  });

  describe('template XML', () => {
    it('a member reads only the templates of instances they have an open task in', async () => {
      const own = await api.user(`assignee-${api.tag}`, [
        { role: 'member', orgUnitId: api.org.branchA },
      ]);
      const [task] = await api.dataSource.query<{ id: string }[]>(
        `SELECT id FROM tasks WHERE instance_id = $1 AND state = 'open'`,
        [instanceId],
      );
      await api.dataSource.query(`UPDATE tasks SET assignee = $2 WHERE id = $1`, [
        task.id,
        own.userId,
      ]);
      const read = await own.http.get(`/api/templates/${key}`);
      expect(read.status).toBe(200);
      expect((read.body as { xml: string }).xml).toContain('bpmn:definitions');
      const listed = await own.http.get('/api/templates');
      expect((listed.body as { items: { key: string }[] }).items.map((t) => t.key)).toEqual([key]);
      // Another template, and the same one to a member without a task there: as if not deployed
      const hidden = expectError(
        await own.http.get(`/api/templates/${otherKey}`),
        404,
        'TEMPLATE_NOT_FOUND',
      );
      const missing = expectError(
        await own.http.get(`/api/templates/${otherKey}-none`),
        404,
        'TEMPLATE_NOT_FOUND',
      );
      expect(String(hidden.message).replace(otherKey, '<key>')).toBe(
        String(missing.message).replace(`${otherKey}-none`, '<key>'),
      );
      expectError(await memberA.http.get(`/api/templates/${key}`), 404, 'TEMPLATE_NOT_FOUND');
      expect(((await memberA.http.get('/api/templates')).body as { total: number }).total).toBe(0);
      // Secretaries, supervisors and integrators read every template
      const secretary = await api.user(`secretary-${api.tag}`, [
        { role: 'secretary', orgUnitId: api.org.branchB },
      ]);
      expect((await secretary.http.get(`/api/templates/${otherKey}`)).status).toBe(200);
    });
  });

  describe('notices to a group', () => {
    it('one member marking a group:members notice read marks it for that member alone', async () => {
      const [row] = await api.dataSource.query<{ id: string }[]>(
        `INSERT INTO notifications (recipient, kind, title, body, dedupe_key, instance_id)
         VALUES ('group:members', 'theme-day.notice', '主题党日通知', '周五下午', $1, $2)
         RETURNING id`,
        [`small-${api.tag}`, instanceId],
      );
      const unread = async (user: SuiteUser) => {
        const inbox = await user.http.get('/api/notifications');
        expect(inbox.status).toBe(200);
        const body = inbox.body as { unread: number; items: { id: string; readAt: unknown }[] };
        return { unread: body.unread, readAt: body.items.find((n) => n.id === row.id)?.readAt };
      };
      expect(await unread(memberA)).toEqual({ unread: 1, readAt: null });
      expect(await unread(memberB)).toEqual({ unread: 1, readAt: null });
      const read = await memberA.http.post(`/api/notifications/${row.id}/read`);
      expect(read.status).toBe(200);
      expect((read.body as { readAt: string }).readAt).toEqual(expect.any(String));
      expect(await unread(memberA)).toEqual({ unread: 0, readAt: expect.any(String) });
      // The other member still has it unread, listed and counted
      expect(await unread(memberB)).toEqual({ unread: 1, readAt: null });
      const onlyUnread = await memberB.http.get('/api/notifications?unread=true');
      expect((onlyUnread.body as { items: { id: string }[] }).items.map((n) => n.id)).toEqual([
        row.id,
      ]);
      api.clock.advance(60_000);
      const again = await memberA.http.post(`/api/notifications/${row.id}/read`);
      expect((again.body as { readAt: string }).readAt).toBe(
        (read.body as { readAt: string }).readAt,
      );
    });
  });
});
