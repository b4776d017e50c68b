/**
 * Issue 14, parts 1 and 3: log-in with passwords, sessions (cookie and bearer), the pending
 * password change, throttles, and the admin endpoints for users and machine tokens, each scoped
 * to the admin's subtree (another subtree answered as absent), with lost-update and
 * double-submit cases.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccountsRepository, hashPassword } from '@app/org';
import request from 'supertest';
import { type ApiHarness, expectError, startApi } from '../api/api-harness.js';

const PASSWORD = 'correct horse battery';

let h: ApiHarness;
let accounts: AccountsRepository;

/** A user with a login name and password (and optional must-change), made directly. */
async function account(
  loginName: string,
  grants: { role: 'admin' | 'secretary' | 'member' | 'supervisor'; orgUnitId: string }[],
  options: { mustChange?: boolean } = {},
): Promise<{ userId: string; loginName: string }> {
  const hash = await hashPassword(PASSWORD);
  const userId = await accounts.transaction((tx) =>
    accounts.insertUser(tx, {
      loginName,
      name: loginName,
      memberId: null,
      passwordHash: hash,
      mustChangePassword: options.mustChange ?? false,
      grants,
    }),
  );
  return { userId: userId!, loginName };
}

function server() {
  return h.app.getHttpServer();
}

async function login(loginName: string, password = PASSWORD) {
  return request(server()).post('/api/auth/login').send({ loginName, password });
}

async function bearer(loginName: string): Promise<string> {
  const response = await login(loginName);
  expect(response.status).toBe(200);
  return (response.body as { token: string }).token;
}

async function auditCount(type: string, userId: string): Promise<number> {
  const [row] = await h.dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND (actor = $2 OR data->>'userId' = $2)`,
    [type, userId],
  );
  return row.n;
}

beforeAll(async () => {
  h = await startApi();
  accounts = h.app.get(AccountsRepository);
});

afterAll(async () => {
  await h?.close();
});

describe('log-in', () => {
  it('opens a session: an httpOnly SameSite=Strict cookie for browsers, the token for API clients; audited', async () => {
    const { userId, loginName } = await account(`sec-${h.tag}`.slice(0, 60), [
      { role: 'secretary', orgUnitId: h.org.branchA },
    ]);
    const response = await login(loginName);
    expect(response.status).toBe(200);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(
      /^bf_session=bfs_[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const body = response.body as { token: string; mustChangePassword: boolean; grants: unknown[] };
    expect(body.token).toMatch(/^bfs_/);
    expect(body.grants).toEqual([
      { role: 'secretary', orgUnitId: h.org.branchA, orgUnitName: '第一支部' },
    ]);
    // only the hash is stored
    const [stored] = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sessions WHERE token_hash = $1`,
      [body.token],
    );
    expect(stored.n).toBe(0);
    const viaCookie = await request(server())
      .get('/api/auth/me')
      .set('Cookie', cookie.split(';')[0]);
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body).toMatchObject({ userId, authenticatedBy: 'session' });
    const viaBearer = await request(server())
      .get('/api/tasks')
      .set('Authorization', `Bearer ${body.token}`);
    expect(viaBearer.status).toBe(200);
    expect(await auditCount('auth.login', userId)).toBe(1);
  });

  it('answers a wrong password and an unknown login name alike (401 LOGIN_FAILED), audited as auth.login_failed', async () => {
    const { userId, loginName } = await account(`wrong-${h.tag}`.slice(0, 60), [
      { role: 'member', orgUnitId: h.org.branchA },
    ]);
    const wrong = await login(loginName, 'not the password');
    const unknown = await login(`nobody-${h.tag}`.slice(0, 60), 'not the password');
    expectError(wrong, 401, 'LOGIN_FAILED');
    expectError(unknown, 401, 'LOGIN_FAILED');
    expect(wrong.body).toEqual(unknown.body);
    expect(await auditCount('auth.login_failed', userId)).toBe(1);
    // over-long input is a 400 naming the field, never hashed
    expectError(await login(loginName, 'x'.repeat(129)), 400);
  });

  it('locks an account after LOGIN_FAILURES_PER_ACCOUNT failures: 429 ACCOUNT_LOCKED with Retry-After, even with the right password', async () => {
    const { loginName } = await account(`lock-${h.tag}`.slice(0, 60), [
      { role: 'member', orgUnitId: h.org.branchA },
    ]);
    for (let i = 0; i < 4; i++)
      expectError(await login(loginName, 'wrong password'), 401, 'LOGIN_FAILED');
    const fifth = await login(loginName, 'wrong password');
    expectError(fifth, 429, 'ACCOUNT_LOCKED');
    expect(Number(fifth.headers['retry-after'])).toBe(900);
    expectError(await login(loginName), 429, 'ACCOUNT_LOCKED');
    h.clock.advance(15 * 60_000 + 1000);
    expect((await login(loginName)).status).toBe(200);
  });

  it('needs X-Requested-With on a cookie-authenticated request that changes something (CSRF); a bearer session does not', async () => {
    const { loginName } = await account(`csrf-${h.tag}`.slice(0, 60), [
      { role: 'member', orgUnitId: h.org.branchA },
    ]);
    const response = await login(loginName);
    const cookie = String(response.headers['set-cookie']).split(';')[0];
    const refused = await request(server())
      .post('/api/notifications/00000000-0000-4000-8000-000000000000/read')
      .set('Cookie', cookie);
    expectError(refused, 403, 'CSRF_HEADER_REQUIRED');
    const allowed = await request(server())
      .post('/api/notifications/00000000-0000-4000-8000-000000000000/read')
      .set('Cookie', cookie)
      .set('X-Requested-With', 'XMLHttpRequest');
    expect(allowed.status).toBe(404);
  });

  it('logs out: the session ends at once and the cookie is cleared; audited', async () => {
    const { userId, loginName } = await account(`out-${h.tag}`.slice(0, 60), [
      { role: 'member', orgUnitId: h.org.branchA },
    ]);
    const token = await bearer(loginName);
    const out = await request(server())
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${token}`);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(
      /^bf_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/,
    );
    expectError(
      await request(server()).get('/api/auth/me').set('Authorization', `Bearer ${token}`),
      401,
    );
    expect(await auditCount('auth.logout', userId)).toBe(1);
    // a machine token has no session to end
    expectError(await h.http.post('/api/auth/logout'), 400, 'NOT_A_SESSION');
  });

  it('ends a session idle for SESSION_IDLE_MINUTES, and any session SESSION_MAX_HOURS after log-in', async () => {
    const { loginName } = await account(`idle-${h.tag}`.slice(0, 60), [
      { role: 'member', orgUnitId: h.org.branchA },
    ]);
    const idle = await bearer(loginName);
    h.clock.advance(121 * 60_000);
    expectError(
      await request(server()).get('/api/auth/me').set('Authorization', `Bearer ${idle}`),
      401,
    );
    const busy = await bearer(loginName);
    for (let hour = 0; hour < 12; hour++) {
      h.clock.advance(60 * 60_000);
      const me = await request(server()).get('/api/auth/me').set('Authorization', `Bearer ${busy}`);
      expect(me.status).toBe(hour < 11 ? 200 : 401);
    }
  });
});

describe('accounts created by an admin', () => {
  let adminA: string;
  let adminG: string;

  beforeAll(async () => {
    await account(`adm-a-${h.tag}`.slice(0, 60), [{ role: 'admin', orgUnitId: h.org.branchA }]);
    await account(`adm-g-${h.tag}`.slice(0, 60), [{ role: 'admin', orgUnitId: h.org.general }]);
    adminA = await bearer(`adm-a-${h.tag}`.slice(0, 60));
    adminG = await bearer(`adm-g-${h.tag}`.slice(0, 60));
  });

  const as = (token: string) => ({
    get: (url: string) => request(server()).get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string, body: object = {}) =>
      request(server()).post(url).set('Authorization', `Bearer ${token}`).send(body),
    patch: (url: string, body: object) =>
      request(server()).patch(url).set('Authorization', `Bearer ${token}`).send(body),
    delete: (url: string) => request(server()).delete(url).set('Authorization', `Bearer ${token}`),
  });

  it('must change the password at the first log-in: every other route answers 403 PASSWORD_CHANGE_REQUIRED', async () => {
    const loginName = `new-${h.tag}`.slice(0, 60);
    const created = await as(adminA).post('/api/users', {
      loginName,
      name: '新书记',
      grants: [{ role: 'secretary', orgUnitId: h.org.branchA }],
    });
    expect(created.status).toBe(201);
    const body = created.body as {
      id: string;
      initialPassword: string;
      mustChangePassword: boolean;
    };
    expect(body.mustChangePassword).toBe(true);
    const token = ((await login(loginName, body.initialPassword)).body as { token: string }).token;
    const me = as(token);
    expectError(await me.get('/api/tasks'), 403, 'PASSWORD_CHANGE_REQUIRED');
    expect((await me.get('/api/auth/me')).body).toMatchObject({ mustChangePassword: true });
    const weak = await me.post('/api/auth/password', {
      current: body.initialPassword,
      new: '12345678',
    });
    expectError(weak, 400, 'PASSWORD_REFUSED');
    expect(weak.body).toMatchObject({
      message: '新密码过于常见，请换一个',
      details: [{ field: 'new', message: '新密码过于常见，请换一个' }],
    });
    expectError(
      await me.post('/api/auth/password', { current: body.initialPassword, new: `x${loginName}` }),
      400,
      'PASSWORD_REFUSED',
    );
    const changed = await me.post('/api/auth/password', {
      current: body.initialPassword,
      new: PASSWORD,
    });
    expect(changed.status).toBe(200);
    // double submit: the second finds the password changed (one effect)
    expectError(
      await me.post('/api/auth/password', { current: body.initialPassword, new: PASSWORD }),
      400,
      'CURRENT_PASSWORD_WRONG',
    );
    expect((await me.get('/api/tasks')).status).toBe(200);
    expect(await auditCount('auth.password_changed', body.id)).toBe(1);
  });

  it('scope: an admin of another subtree gets exactly what an unknown id gets, for every endpoint', async () => {
    const inB = await as(adminG).post('/api/users', {
      loginName: `in-b-${h.tag}`.slice(0, 60),
      name: '乙',
      grants: [{ role: 'member', orgUnitId: h.org.branchB }],
    });
    expect(inB.status).toBe(201);
    const id = (inB.body as { id: string }).id;
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    const token = await as(adminG).post('/api/tokens', {
      userId: id,
      label: 'ci',
      expiresInDays: 30,
    });
    expect(token.status).toBe(201);
    const tokenId = (token.body as { id: string }).id;
    const a = as(adminA);
    const pairs: [() => request.Test, () => request.Test][] = [
      [() => a.get(`/api/users/${id}`), () => a.get(`/api/users/${unknown}`)],
      [
        () => a.patch(`/api/users/${id}`, { name: 'x', version: 1 }),
        () => a.patch(`/api/users/${unknown}`, { name: 'x', version: 1 }),
      ],
      [
        () => a.post(`/api/users/${id}/disable`, { version: 1 }),
        () => a.post(`/api/users/${unknown}/disable`, { version: 1 }),
      ],
      [
        () =>
          a.post(`/api/users/${id}/roles`, {
            role: 'member',
            orgUnitId: h.org.branchA,
            version: 1,
          }),
        () =>
          a.post(`/api/users/${unknown}/roles`, {
            role: 'member',
            orgUnitId: h.org.branchA,
            version: 1,
          }),
      ],
      [
        () => a.delete(`/api/users/${id}/roles?role=member&orgUnitId=${h.org.branchB}&version=1`),
        () =>
          a.delete(`/api/users/${unknown}/roles?role=member&orgUnitId=${h.org.branchB}&version=1`),
      ],
      [
        () => a.post(`/api/tokens/${tokenId}/revoke`),
        () => a.post(`/api/tokens/${unknown}/revoke`),
      ],
      [
        () => a.post('/api/tokens', { userId: id, label: 'x', expiresInDays: 1 }),
        () => a.post('/api/tokens', { userId: unknown, label: 'x', expiresInDays: 1 }),
      ],
    ];
    for (const [outside, missing] of pairs) {
      const [o, m] = [await outside(), await missing()];
      expect({
        status: o.status,
        body: JSON.stringify(o.body).replace(id, '?').replace(tokenId, '?'),
      }).toEqual({
        status: m.status,
        body: JSON.stringify(m.body).replace(unknown, '?'),
      });
      expect([400, 404]).toContain(o.status);
    }
    // lists leave them out
    const users = (await a.get('/api/users?pageSize=100')).body as { items: { id: string }[] };
    expect(users.items.map((u) => u.id)).not.toContain(id);
    const tokens = (await a.get('/api/tokens?pageSize=100')).body as { items: { id: string }[] };
    expect(tokens.items.map((t) => t.id)).not.toContain(tokenId);
    // a unit outside the subtree (or above it) is an unknown unit
    const above = await a.post('/api/users', {
      loginName: `above-${h.tag}`.slice(0, 60),
      name: '上',
      grants: [{ role: 'admin', orgUnitId: h.org.general }],
    });
    const nowhere = await a.post('/api/users', {
      loginName: `above-${h.tag}`.slice(0, 60),
      name: '上',
      grants: [{ role: 'admin', orgUnitId: 'no-such-unit' }],
    });
    expectError(above, 400);
    // the same words for both, naming only the id the caller gave
    const unknownUnit = (unit: string) => `没有党组织「${unit}」，或它不在您管理的范围内`;
    expect(JSON.stringify(above.body)).toBe(
      JSON.stringify(nowhere.body).replaceAll('no-such-unit', h.org.general),
    );
    expect(JSON.stringify(above.body)).toContain(unknownUnit(h.org.general));
    expect(JSON.stringify(nowhere.body)).toContain(unknownUnit('no-such-unit'));
    // the general branch's admin sees it and the token
    expect((await as(adminG).get(`/api/users/${id}`)).status).toBe(200);
    // someone without the role admin: 403
    expectError(await h.http.get('/api/users'), 403);
  });

  it('lost update and double submit: a stale version is 409 STALE_VERSION; a repeated create, issue, revoke or disable has one effect', async () => {
    const g = as(adminG);
    const loginName = `twice-${h.tag}`.slice(0, 60);
    const create = {
      loginName,
      name: '丙',
      grants: [{ role: 'member', orgUnitId: h.org.branchA }],
    };
    const first = await g.post('/api/users', create);
    expect(first.status).toBe(201);
    expectError(await g.post('/api/users', create), 409, 'LOGIN_NAME_TAKEN');
    const id = (first.body as { id: string }).id;
    const renamed = await g.patch(`/api/users/${id}`, { name: '丙一', version: 1 });
    expect(renamed.body).toMatchObject({ name: '丙一', version: 2 });
    expectError(
      await g.patch(`/api/users/${id}`, { name: '丙二', version: 1 }),
      409,
      'STALE_VERSION',
    );
    const give = { role: 'secretary', orgUnitId: h.org.branchA, version: 2 };
    expect((await g.post(`/api/users/${id}/roles`, give)).body).toMatchObject({ version: 3 });
    expectError(await g.post(`/api/users/${id}/roles`, give), 409, 'STALE_VERSION');
    const taken = await g.delete(
      `/api/users/${id}/roles?role=secretary&orgUnitId=${h.org.branchA}&version=3`,
    );
    expect(taken.body).toMatchObject({ version: 4, grants: [{ role: 'member' }] });
    const issue = { userId: id, label: 'sync', expiresInDays: 1 };
    const issued = await g.post('/api/tokens', issue);
    expect(issued.status).toBe(201);
    expectError(await g.post('/api/tokens', issue), 409, 'TOKEN_LABEL_TAKEN');
    const machine = issued.body as { token: string; id: string };
    expect(
      (await request(server()).get('/api/tasks').set('Authorization', `Bearer ${machine.token}`))
        .status,
    ).toBe(200);
    // the expiry is enforced
    h.clock.advance(86_400_000 + 1000);
    expectError(
      await request(server()).get('/api/tasks').set('Authorization', `Bearer ${machine.token}`),
      401,
    );
    // the admin's own session went idle meanwhile: log in again
    const g2 = as(await bearer(`adm-g-${h.tag}`.slice(0, 60)));
    const revoke1 = await g2.post(`/api/tokens/${machine.id}/revoke`);
    const revoke2 = await g2.post(`/api/tokens/${machine.id}/revoke`);
    expect([revoke1.status, revoke2.status]).toEqual([200, 200]);
    expect(await auditCount('org.token.revoked', id)).toBe(1);
    // disabling ends the user's sessions and tokens
    const again = await g2.post('/api/tokens', { userId: id, label: 'sync2', expiresInDays: 1 });
    const other = (again.body as { token: string }).token;
    const version = ((await g2.get(`/api/users/${id}`)).body as { version: number }).version;
    expect((await g2.post(`/api/users/${id}/disable`, { version })).status).toBe(200);
    expectError(await g2.post(`/api/users/${id}/disable`, { version }), 409, 'STALE_VERSION');
    expect(await auditCount('org.user.disabled', id)).toBe(1);
    expectError(
      await request(server()).get('/api/tasks').set('Authorization', `Bearer ${other}`),
      401,
    );
  });
});
