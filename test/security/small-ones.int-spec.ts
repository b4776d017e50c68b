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

  describe('evidence files', () => {
    const PNG = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    );
    const HTML = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
    let itemId: string;

    beforeAll(async () => {
      const items = await api.http.get(`/api/ledger/items?instanceId=${instanceId}`);
      itemId = (items.body as { items: { id: string }[] }).items[0].id;
    });

    const upload = (fileName: string, type: string, bytes: Buffer) =>
      api.http
        .post(`/api/ledger/items/${itemId}/attachments`)
        .query({ fileName })
        .set('Content-Type', type)
        .send(bytes);
    const download = (id: string) =>
      api.http.get(`/api/ledger/items/${itemId}/attachments/${id}`).buffer(true);

    it('serves HTML (and anything off the allow-list) as an octet-stream download, never as text/html', async () => {
      const uploaded = await upload('页面.html', 'text/html', HTML);
      expect(uploaded.status).toBe(201);
      const attachment = uploaded.body as { id: string; contentType: string };
      expect(attachment.contentType).toBe('application/octet-stream');
      const served = await download(attachment.id);
      expect(served.status).toBe(200);
      expect(served.headers).toEqual(
        expect.objectContaining({
          'content-type': 'application/octet-stream',
          'x-content-type-options': 'nosniff',
          'content-disposition': `attachment; filename="__.html"; filename*=UTF-8''${encodeURIComponent('页面.html')}`,
        }),
      );
      // A file kept with its declared type before the bytes decided is served the same way
      await api.dataSource.query(
        `UPDATE ledger_attachments SET content_type = 'text/html' WHERE id = $1`,
        [attachment.id],
      );
      expect((await download(attachment.id)).headers['content-type']).toBe(
        'application/octet-stream',
      );
    });

    it('serves an allowed type as its bytes are, whatever was declared', async () => {
      const uploaded = await upload('photo.png', 'text/html', PNG);
      expect(uploaded.status).toBe(201);
      const served = await download((uploaded.body as { id: string }).id);
      expect(served.headers['content-type']).toBe('image/png');
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect(String(served.headers['content-disposition'])).toMatch(/^attachment; /);
    });

    it.each([
      ['a right-to-left override', 'evil\u202efdp.exe'],
      ['a left-to-right isolate', 'a\u2066b.pdf'],
      ['an Arabic letter mark', 'a\u061cb.pdf'],
      ['a right-to-left mark', 'a\u200fb.pdf'],
      ['a C1 control (NEL)', 'a\u0085b.pdf'],
      ['DEL', 'a\u007fb.pdf'],
      ['a tab', 'a\tb.pdf'],
      ['too long a name', `${'长'.repeat(256)}.pdf`],
    ])('refuses a file name with %s (400 naming fileName), keeping nothing', async (_, name) => {
      const before = await api.dataSource.query<unknown[]>(
        `SELECT 1 FROM ledger_attachments WHERE item_id = $1`,
        [itemId],
      );
      const refused = expectError(await upload(name, 'application/pdf', PNG), 400);
      expect(refused.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'fileName' })]),
      );
      const after = await api.dataSource.query<unknown[]>(
        `SELECT 1 FROM ledger_attachments WHERE item_id = $1`,
        [itemId],
      );
      expect(after.length).toBe(before.length);
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
