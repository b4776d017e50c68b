import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpRobot, OK, type RobotRequest } from '../worker/support/http-robot.js';
import { type ApiHarness, type SuiteUser, expectError, startApi } from './api-harness.js';

/** The robots' keys and the DingTalk 加签 secret: none may appear in any answer. */
const WECOM_KEY = 'wecomKey0123456789abcdef';
const DING_TOKEN = 'dingToken0123456789abcdef';
const SECRET = 'SECapiChannelSigningSecret0123456789';
const SECRET_2 = 'SECsecondSigningSecret9876543210';
const LEAKS = new RegExp(`${WECOM_KEY}|${DING_TOKEN}|${SECRET}|${SECRET_2}|SECret-in-a-refusal`);

interface Channel {
  id: string;
  orgUnitId: string;
  kind: string;
  name: string;
  url: string;
  signed: boolean;
  enabled: boolean;
  version: number;
}

function validSignature(request: RobotRequest, secret: string): boolean {
  const timestamp = request.query.get('timestamp');
  const sign = request.query.get('sign');
  if (!timestamp || !sign) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return sign === expected;
}

/**
 * /api/org-units/:id/channels (issue 14, part 6): an admin of the unit keeps its group robots;
 * an admin of another subtree is answered as if the unit (or channel) were absent, a reader of
 * the unit gets 403; no answer ever carries a robot key or a 加签 secret; every write names the
 * version it read and a double create has one effect.
 */
describe('api channels: group robots of an org unit', () => {
  let api: ApiHarness;
  let adminA: SuiteUser;
  let adminB: SuiteUser;
  let secretaryA: SuiteUser;
  let supervisorA: SuiteUser;
  let bChannel: Channel;
  /** Every answer of the suite, checked for secrets at the end. */
  const answers: { url: string; status: number; text: string }[] = [];
  const robot = new HttpRobot()
    .on('/wecom', () => ({ status: 200, body: OK }))
    .on('/ding', (_, request) =>
      validSignature(request, SECRET)
        ? { status: 200, body: OK }
        : { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } },
    );

  const admin = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];
  const wecomUrl = () => `${robot.url('/wecom')}?key=${WECOM_KEY}`;
  const dingUrl = () => `${robot.url('/ding')}?access_token=${DING_TOKEN}`;

  type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
  async function call(
    who: SuiteUser,
    method: Method,
    url: string,
    body?: object,
  ): Promise<{ status: number; body: unknown }> {
    const request =
      method === 'GET'
        ? who.http.get(url)
        : method === 'POST'
          ? who.http.post(url).send(body ?? {})
          : method === 'PATCH'
            ? who.http.patch(url).send(body ?? {})
            : who.http.delete(url);
    const response = await request;
    answers.push({ url, status: response.status, text: response.text });
    return { status: response.status, body: response.body as unknown };
  }
  const base = (unitId: string) => `/api/org-units/${unitId}/channels`;
  const create = (who: SuiteUser, unitId: string, body: object) =>
    call(who, 'POST', base(unitId), body);

  beforeAll(async () => {
    await robot.start();
    api = await startApi({ env: { CHANNEL_HOSTS: '127.0.0.1' } });
    adminA = await api.user(`chAdminA-${api.tag}`, admin(api.org.branchA));
    adminB = await api.user(`chAdminB-${api.tag}`, admin(api.org.branchB));
    secretaryA = await api.user(`chSecA-${api.tag}`, [
      { role: 'secretary', orgUnitId: api.org.branchA },
    ]);
    supervisorA = await api.user(`chSupA-${api.tag}`, [
      { role: 'supervisor', orgUnitId: api.org.general },
    ]);
    const created = await create(adminB, api.org.branchB, {
      kind: 'wecom',
      name: 'B group',
      url: wecomUrl(),
    });
    expect(created.status).toBe(201);
    bChannel = created.body as Channel;
  });

  afterAll(async () => {
    await api?.close();
    await robot.stop();
  });

  it('an admin registers a WeCom and a signed DingTalk robot: answered masked, the secret never', async () => {
    const wecom = await create(adminA, api.org.branchA, {
      kind: 'wecom',
      name: 'A group',
      url: wecomUrl(),
    });
    expect(wecom).toEqual({
      status: 201,
      body: expect.objectContaining({
        orgUnitId: api.org.branchA,
        kind: 'wecom',
        name: 'A group',
        url: `${robot.url('/wecom')}?key=***`,
        signed: false,
        enabled: true,
        version: 1,
      }),
    });
    const ding = await create(adminA, api.org.branchA, {
      kind: 'dingtalk',
      name: 'A 钉钉',
      url: dingUrl(),
      secret: SECRET,
    });
    expect(ding.status).toBe(201);
    expect(ding.body).toMatchObject({
      url: `${robot.url('/ding')}?access_token=***`,
      signed: true,
    });
    expect(Object.keys(ding.body as object)).not.toContain('secret');
    const list = await call(adminA, 'GET', base(api.org.branchA));
    expect(list.status).toBe(200);
    expect((list.body as { items: Channel[] }).items.map((c) => c.name)).toEqual([
      'A group',
      'A 钉钉',
    ]);
  });

  it('refuses a URL off CHANNEL_HOSTS and a secret on a WeCom robot, naming the field and a code', async () => {
    const offHost = await create(adminA, api.org.branchA, {
      kind: 'wecom',
      name: 'elsewhere',
      url: `https://example.com/cgi-bin/webhook/send?key=${WECOM_KEY}`,
    });
    expectError(offHost, 422, 'CHANNEL_URL_REFUSED');
    expect(offHost.body).toMatchObject({ details: [{ field: 'url' }] });
    const secretOnWecom = await create(adminA, api.org.branchA, {
      kind: 'wecom',
      name: 'wecom signed',
      url: wecomUrl(),
      secret: 'SECret-in-a-refusal',
    });
    expectError(secretOnWecom, 422, 'CHANNEL_SECRET_REFUSED');
    const tooLong = await create(adminA, api.org.branchA, {
      kind: 'wecom',
      name: 'x'.repeat(65),
      url: wecomUrl(),
    });
    expectError(tooLong, 400);
  });

  it('a double create with the same name has one effect: one 201, one 409 CHANNEL_NAME_TAKEN', async () => {
    const body = { kind: 'wecom', name: 'twice', url: wecomUrl() };
    const results = await Promise.all([
      create(adminA, api.org.branchA, body),
      create(adminA, api.org.branchA, body),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expectError(
      results.find((r) => r.status === 409)!,
      409,
      'CHANNEL_NAME_TAKEN',
    );
    const [{ count }] = await api.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM org_unit_channels
        WHERE org_unit_id = $1 AND name = 'twice' AND deleted_at IS NULL`,
      [api.org.branchA],
    );
    expect(count).toBe(1);
  });

  it('a change names the version it read: the stale one of two concurrent changes is 409 CHANNEL_VERSION_CONFLICT', async () => {
    const created = await create(adminA, api.org.branchA, {
      kind: 'dingtalk',
      name: 'to change',
      url: dingUrl(),
    });
    const channel = created.body as Channel;
    const url = `${base(api.org.branchA)}/${channel.id}`;
    const [first, second] = await Promise.all([
      call(adminA, 'PATCH', url, { version: 1, name: 'changed once' }),
      call(adminA, 'PATCH', url, { version: 1, enabled: false, secret: SECRET_2 }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expectError(first.status === 409 ? first : second, 409, 'CHANNEL_VERSION_CONFLICT');
    const [row] = await api.dataSource.query<{ version: number }[]>(
      `SELECT version FROM org_unit_channels WHERE id = $1`,
      [channel.id],
    );
    expect(row.version).toBe(2);
    // A change at the current version passes, and answers the next one
    const third = await call(adminA, 'PATCH', url, { version: 2, secret: SECRET_2 });
    expect(third).toEqual({
      status: 200,
      body: expect.objectContaining({ version: 3, signed: true }),
    });
  });

  it('DELETE names the version: stale is 409; the second DELETE is the 404 of a missing channel', async () => {
    const created = await create(adminA, api.org.branchA, {
      kind: 'wecom',
      name: 'to delete',
      url: wecomUrl(),
    });
    const channel = created.body as Channel;
    const url = `${base(api.org.branchA)}/${channel.id}`;
    expectError(await call(adminA, 'DELETE', `${url}?version=7`), 409, 'CHANNEL_VERSION_CONFLICT');
    expect((await call(adminA, 'DELETE', `${url}?version=1`)).status).toBe(204);
    const again = await call(adminA, 'DELETE', `${url}?version=1`);
    const missing = await call(
      adminA,
      'DELETE',
      `${base(api.org.branchA)}/${randomUUID()}?version=1`,
    );
    expectError(again, 404, 'CHANNEL_NOT_FOUND');
    expectError(missing, 404, 'CHANNEL_NOT_FOUND');
    // It is gone from the list; its name is free again
    const list = await call(adminA, 'GET', base(api.org.branchA));
    expect((list.body as { items: Channel[] }).items.map((c) => c.id)).not.toContain(channel.id);
    expect(
      (await create(adminA, api.org.branchA, { kind: 'wecom', name: 'to delete', url: wecomUrl() }))
        .status,
    ).toBe(201);
  });

  it('test-send posts to the robot now (DingTalk signed) and answers what it said; audited', async () => {
    const list = await call(adminA, 'GET', base(api.org.branchA));
    const ding = (list.body as { items: Channel[] }).items.find((c) => c.name === 'A 钉钉')!;
    const before = robot.requestsTo('/ding').length;
    const sent = await call(adminA, 'POST', `${base(api.org.branchA)}/${ding.id}/test`);
    expect(sent).toEqual({
      status: 200,
      body: { ok: true, answer: expect.stringMatching(/^HTTP 200/) },
    });
    const received = robot.requestsTo('/ding').slice(before);
    expect(received).toHaveLength(1);
    expect(validSignature(received[0], SECRET)).toBe(true);
    expect(received[0].query.get('access_token')).toBe(DING_TOKEN);
    expect(JSON.stringify(received[0].body)).toContain('测试消息');
    const events = await api.dataSource.query<{ actor: string }[]>(
      `SELECT actor FROM audit_events WHERE stream = 'system' AND type = 'channel.tested'
          AND data->>'channelId' = $1`,
      [ding.id],
    );
    expect(events).toEqual([{ actor: adminA.userId }]);
    // Its deliveries list answers (empty: no notice went to it yet)
    const deliveries = await call(adminA, 'GET', `${base(api.org.branchA)}/${ding.id}/deliveries`);
    expect(deliveries).toEqual({ status: 200, body: { items: [] } });
  });

  it('an admin of another subtree gets exactly the 404 of a missing unit, on every route', async () => {
    const list = await call(adminA, 'GET', base(api.org.branchA));
    const channelId = (list.body as { items: Channel[] }).items[0].id;
    const ghost = 'no-such-unit-zz';
    const routes: [Method, string, object?][] = [
      ['GET', ''],
      ['POST', '', { kind: 'wecom', name: 'sneak', url: wecomUrl() }],
      ['PATCH', `/${channelId}`, { version: 1, name: 'sneak' }],
      ['DELETE', `/${channelId}?version=1`],
      ['POST', `/${channelId}/test`],
      ['GET', `/${channelId}/deliveries`],
    ];
    for (const [method, tail, body] of routes) {
      const foreign = await call(adminB, method, `${base(api.org.branchA)}${tail}`, body);
      const missing = await call(adminB, method, `${base(ghost)}${tail}`, body);
      expectError(foreign, 404, 'UNIT_NOT_FOUND');
      expect({ route: `${method} ${tail}`, body: foreign.body }).toEqual({
        route: `${method} ${tail}`,
        body: missing.body,
      });
      expect(missing.body).toMatchObject({ message: '未找到该党组织' });
    }
    // Nothing changed, nothing was sent
    const after = await call(adminA, 'GET', base(api.org.branchA));
    expect(after.body).toEqual(list.body);
  });

  it("a channel of another unit, named under one's own unit, is the 404 of a missing channel", async () => {
    const routes: [Method, string, object?][] = [
      ['PATCH', '', { version: 1, name: 'sneak' }],
      ['DELETE', '?version=1'],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ];
    const before = robot.requestsTo('/wecom').length;
    for (const [method, tail, body] of routes) {
      const foreign = await call(
        adminA,
        method,
        `${base(api.org.branchA)}/${bChannel.id}${tail}`,
        body,
      );
      const unknown = randomUUID();
      const missing = await call(
        adminA,
        method,
        `${base(api.org.branchA)}/${unknown}${tail}`,
        body,
      );
      expectError(foreign, 404, 'CHANNEL_NOT_FOUND');
      expect(foreign.body).toEqual({
        ...(missing.body as object),
        message: (missing.body as { message: string }).message.replace(unknown, bChannel.id),
      });
    }
    expect(robot.requestsTo('/wecom').length).toBe(before);
  });

  it('a secretary or supervisor who reads the unit gets 403 on every route', async () => {
    const list = await call(adminA, 'GET', base(api.org.branchA));
    const channelId = (list.body as { items: Channel[] }).items[0].id;
    const routes: [Method, string, object?][] = [
      ['GET', ''],
      ['POST', '', { kind: 'wecom', name: 'reader', url: wecomUrl() }],
      ['PATCH', `/${channelId}`, { version: 1, name: 'reader' }],
      ['DELETE', `/${channelId}?version=1`],
      ['POST', `/${channelId}/test`],
      ['GET', `/${channelId}/deliveries`],
    ];
    for (const reader of [secretaryA, supervisorA]) {
      for (const [method, tail, body] of routes) {
        expectError(await call(reader, method, `${base(api.org.branchA)}${tail}`, body), 403);
      }
    }
  });

  it('no answer of this suite carried a robot key or a 加签 secret', () => {
    expect(answers.length).toBeGreaterThan(40);
    // The check can fail: it finds the key in a robot URL as sent
    expect(LEAKS.test(dingUrl())).toBe(true);
    const leaked = answers.filter((answer) => LEAKS.test(answer.text));
    expect(leaked).toEqual([]);
  });
});
