import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { OrgDirectory } from '@app/org';
import { type ApiHarness, type SuiteUser, expectError, startApi } from '../api/api-harness.js';

type Answer = { status: number; body: unknown };

/**
 * Lost updates and double submits of the writes of issue 14 (org units, members, the roster
 * import, users, roles, tokens, passwords, channels), through the real api. A double click is
 * the same request twice at once; two admins editing one object send different changes from
 * the same version. Where the outcome depends on how the two meet inside PostgreSQL, they are
 * released together: a third connection holds the head of the system audit chain (every one
 * of these writes ends by appending to it), each request is sent once the ones before it wait
 * for a lock, and the head is let go once all of them wait.
 */
describe('org, accounts and channels: concurrent writes', () => {
  let api: ApiHarness;
  let admin: SuiteUser;
  let adminA: SuiteUser;
  let holder: pg.Client;
  let n = 0;
  /** A unit id unique to this suite. */
  const unitId = (name: string) => `${name}-${++n}-${api.org.branchA}`.slice(0, 63);

  const adminOf = (orgUnitId: string) => [{ role: 'admin' as 'secretary', orgUnitId }];

  beforeAll(async () => {
    api = await startApi({ env: { CHANNEL_HOSTS: '127.0.0.1' } });
    admin = await api.user(`ccAdmin-${api.tag}`, adminOf(api.org.committee));
    adminA = await api.user(`ccAdminA-${api.tag}`, adminOf(api.org.branchA));
    holder = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await api.close();
  });

  /** Until `count` sessions of the database (not the holder) wait for a lock. */
  async function waitingForLocks(count: number): Promise<void> {
    for (;;) {
      // The activity is read once per transaction unless the snapshot is cleared
      await holder.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n >= count) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const SYSTEM_HEAD = {
    sql: `SELECT stream FROM audit_streams WHERE stream = 'system' FOR UPDATE`,
    params: [],
    rows: 1,
  };

  /**
   * Sends the requests while the head of the system audit chain (or what `hold` locks) is held, each once the ones
   * before it wait for a lock, and lets the head go once all of them wait.
   */
  async function releasedTogether(
    requests: readonly (() => PromiseLike<Answer>)[],
    hold: { sql: string; params: unknown[]; rows: number } = SYSTEM_HEAD,
  ): Promise<Answer[]> {
    await holder.query('BEGIN');
    const { rows } = await holder.query(hold.sql, hold.params);
    expect(rows).toHaveLength(hold.rows);
    const answers: Promise<Answer>[] = [];
    try {
      for (const send of requests) {
        answers.push(Promise.resolve(send()));
        await waitingForLocks(answers.length);
      }
    } finally {
      await holder.query('COMMIT');
    }
    return Promise.all(answers);
  }

  /** A double click: the same request twice at once. */
  const twice = (send: () => PromiseLike<Answer>) => Promise.all([send(), send()]);

  const statuses = (answers: readonly Answer[]) => answers.map((a) => a.status).sort();
  const refused = (answers: readonly Answer[], status: number) =>
    answers.find((a) => a.status === status)!;

  const systemEvents = async (type: string, where: (data: Record<string, unknown>) => boolean) =>
    (
      await api.dataSource.query<{ data: Record<string, unknown> }[]>(
        `SELECT data FROM audit_events WHERE stream = 'system' AND type = $1`,
        [type],
      )
    ).filter((row) => where(row.data)).length;

  /** Units whose path is not their parent's path and their id (a corrupt materialised path). */
  const brokenPaths = () =>
    api.dataSource.query<{ id: string; path: string }[]>(
      `SELECT u.id, u.path FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id
        WHERE u.path <> COALESCE(p.path, '/') || u.id || '/'`,
    );

  const createUnit = async (id: string, parentId: string, kind: string, name = id) => {
    const response = await admin.http.post('/api/org-units').send({ id, parentId, kind, name });
    expect(response.status).toBe(201);
    return response.body as { id: string; path: string; version: number };
  };

  describe('org units', () => {
    it('refuses the second of two crossing moves (A under B’s child, B under A’s child): no cycle, no deadlock', async () => {
      for (const first of [0, 1]) {
        const a = await createUnit(unitId('ca'), api.org.committee, 'committee');
        const a1 = await createUnit(unitId('ca1'), a.id, 'committee');
        const b = await createUnit(unitId('cb'), api.org.committee, 'committee');
        const b1 = await createUnit(unitId('cb1'), b.id, 'committee');
        const moves = [
          () =>
            admin.http.post(`/api/org-units/${a.id}/move`).send({ parentId: b1.id, version: 1 }),
          () =>
            admin.http.post(`/api/org-units/${b.id}/move`).send({ parentId: a1.id, version: 1 }),
        ];
        // Each move locks its unit and then waits for its new parent, held here: once let go,
        // each holds a row of the other's subtree
        const answers = await releasedTogether(first === 0 ? moves : [moves[1], moves[0]], {
          sql: `SELECT id FROM org_units WHERE id = ANY($1::text[]) FOR SHARE`,
          params: [[a1.id, b1.id]],
          rows: 2,
        });
        expect(statuses(answers)).toEqual([200, 422]);
        expectError(refused(answers, 422), 422, 'INVALID_MOVE');
        expect(await brokenPaths()).toEqual([]);
        // The first move queued is the one that happened
        const moved = first === 0 ? a : b;
        const under = first === 0 ? b1 : a1;
        const [row] = await api.dataSource.query<{ parent_id: string }[]>(
          `SELECT parent_id FROM org_units WHERE id = $1`,
          [moved.id],
        );
        expect(row.parent_id).toBe(under.id);
      }
    });

    it('gives a unit created under a subtree while it moves the moved path, in either order', async () => {
      for (const createFirst of [true, false]) {
        const x = await createUnit(unitId('mx'), api.org.committee, 'committee');
        const xg = await createUnit(unitId('mxg'), x.id, 'general_branch');
        const y = await createUnit(unitId('my'), api.org.committee, 'committee');
        const child = unitId('mxb');
        const create = () =>
          admin.http
            .post('/api/org-units')
            .send({ id: child, parentId: xg.id, kind: 'branch', name: '新建支部' });
        const move = () =>
          admin.http.post(`/api/org-units/${x.id}/move`).send({ parentId: y.id, version: 1 });
        const [created, moved] = await releasedTogether(
          createFirst ? [create, move] : [move, create],
        ).then((answers) => (createFirst ? answers : [answers[1], answers[0]]));
        expect([created.status, moved.status]).toEqual([201, 200]);
        expect((moved.body as { moved: number }).moved).toBe(createFirst ? 3 : 2);
        const [row] = await api.dataSource.query<{ path: string }[]>(
          `SELECT path FROM org_units WHERE id = $1`,
          [child],
        );
        expect(row.path).toBe(`${y.path}${x.id}/${xg.id}/${child}/`);
        expect(await brokenPaths()).toEqual([]);
      }
    });

    it('moves once on a double click: the second is 409 VERSION_CONFLICT', async () => {
      const x = await createUnit(unitId('dx'), api.org.committee, 'committee');
      const y = await createUnit(unitId('dy'), api.org.committee, 'committee');
      const answers = await twice(() =>
        admin.http.post(`/api/org-units/${x.id}/move`).send({ parentId: y.id, version: 1 }),
      );
      expect(statuses(answers)).toEqual([200, 409]);
      expectError(refused(answers, 409), 409, 'VERSION_CONFLICT');
      expect(await systemEvents('org.unit.moved', (data) => data.id === x.id)).toBe(1);
    });
  });

  describe('members and the roster import', () => {
    const HEADER = '姓名,性别,出生日期,入党日期,转正日期,人员类别,所在党组织,党员编号,联系电话';
    const importRoster = (who: SuiteUser, rows: string[]) => () =>
      who.http
        .post('/api/org/import')
        .set('Content-Type', 'text/csv')
        .send(Buffer.from(`\uFEFF${[HEADER, ...rows].join('\r\n')}\r\n`));

    it('creates a person once when the api and a roster import add them at the same time, in either order', async () => {
      for (const importFirst of [true, false]) {
        const name = importFirst ? '并发甲' : '并发乙';
        const number = `CC${importFirst ? 1 : 2}${api.tag.replace(/[^0-9a-z]/gi, '').slice(-8)}`;
        const roster = importRoster(adminA, [
          `${name},女,1991-02-03,,,正式党员,第一支部,${number},`,
        ]);
        const create = () =>
          adminA.http.post('/api/members').send({
            orgUnitId: api.org.branchA,
            name,
            gender: 'female',
            status: 'full',
            birthDate: '1991-02-03',
            partyNumber: number,
          });
        const answers = await releasedTogether(importFirst ? [roster, create] : [create, roster]);
        const [imported, created] = importFirst ? answers : [answers[1], answers[0]];
        expect(imported.status).toBe(200);
        if (importFirst) {
          // The import wrote the person; the api's creation is the second of two
          expect(imported.body).toEqual(expect.objectContaining({ created: 1, unchanged: 0 }));
          expectError(created, 409, 'MEMBER_EXISTS');
        } else {
          expect(created.status).toBe(201);
          expect(imported.body).toEqual(expect.objectContaining({ created: 0, unchanged: 1 }));
        }
        const rows = await api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM members WHERE org_unit_id = $1 AND name = $2`,
          [api.org.branchA, name],
        );
        expect(rows[0].n).toBe(1);
      }
    });

    it('never closes a branch that a member joins at the same time, in either order', async () => {
      for (const closeFirst of [true, false]) {
        const branch = await createUnit(unitId('cl'), api.org.general, 'branch');
        const close = () =>
          admin.http.post(`/api/org-units/${branch.id}/close`).send({ version: branch.version });
        const join = () =>
          admin.http
            .post('/api/members')
            .send({ orgUnitId: branch.id, name: '并发己', status: 'full' });
        const answers = await releasedTogether(closeFirst ? [close, join] : [join, close]);
        const [closed, joined] = closeFirst ? answers : [answers[1], answers[0]];
        if (closeFirst) {
          expect(closed.status).toBe(200);
          expectError(joined, 409, 'UNIT_CLOSED');
        } else {
          expect(joined.status).toBe(201);
          expectError(closed, 409, 'UNIT_NOT_EMPTY');
        }
        const [row] = await api.dataSource.query<{ closed: boolean; members: number }[]>(
          `SELECT u.closed_at IS NOT NULL AS closed,
                  (SELECT count(*)::int FROM members m WHERE m.org_unit_id = u.id) AS members
             FROM org_units u WHERE u.id = $1`,
          [branch.id],
        );
        expect(row).toEqual({ closed: closeFirst, members: closeFirst ? 0 : 1 });
      }
    });

    it('answers an admin’s status change read before a process changed the status 409 VERSION_CONFLICT', async () => {
      const created = await adminA.http.post('/api/members').send({
        orgUnitId: api.org.branchA,
        name: '并发庚',
        status: 'activist',
        birthDate: '1999-09-09',
      });
      expect(created.status).toBe(201);
      const read = created.body as { id: string; version: number };
      // member development moves the person on (its service task, through the directory)
      expect(
        await api.app
          .get(OrgDirectory)
          .setMemberStatus(read.id, 'candidate', 'system:process', api.clock.now()),
      ).toBe(true);
      const stale = await adminA.http
        .post(`/api/members/${read.id}/status`)
        .send({ status: 'applicant', reason: '材料有误，退回申请人', version: read.version });
      expectError(stale, 409, 'VERSION_CONFLICT');
      const [row] = await api.dataSource.query<{ status: string }[]>(
        `SELECT status::text AS status FROM members WHERE id = $1`,
        [read.id],
      );
      expect(row.status).toBe('candidate');
    });

    it('keeps an edit made while an import updates the same member: the import reads it, or the edit is 409', async () => {
      const created = await adminA.http.post('/api/members').send({
        orgUnitId: api.org.branchA,
        name: '并发丙',
        status: 'full',
        birthDate: '1980-01-01',
      });
      expect(created.status).toBe(201);
      const member = created.body as { id: string; version: number };
      const edit = () =>
        adminA.http
          .patch(`/api/members/${member.id}`)
          .send({ phone: '13900000009', version: member.version });
      const roster = importRoster(adminA, ['并发丙,男,1980-01-01,,,正式党员,第一支部,,']);
      const [edited, imported] = await releasedTogether([edit, roster]);
      expect(edited.status).toBe(200);
      expect(imported.body).toEqual(expect.objectContaining({ updated: 1 }));
      const [row] = await api.dataSource.query<
        { phone: string; gender: string; version: number }[]
      >(`SELECT phone, gender::text AS gender, version FROM members WHERE id = $1`, [member.id]);
      // Both changes are kept: the edit's phone and the roster's gender
      expect(row).toEqual({ phone: '13900000009', gender: 'male', version: member.version + 2 });
    });
  });

  describe('users, roles, tokens and passwords', () => {
    let seq = 0;
    const login = () => `cc${++seq}${api.tag.replace(/[^0-9a-z]/gi, '').slice(-10)}`;
    const newMember = async (name: string) => {
      const response = await adminA.http
        .post('/api/members')
        .send({ orgUnitId: api.org.branchA, name, status: 'full' });
      expect(response.status).toBe(201);
      return (response.body as { id: string }).id;
    };
    const newUser = async (password?: string) => {
      const response = await adminA.http.post('/api/users').send({
        loginName: login(),
        name: '并发用户',
        grants: [{ role: 'secretary', orgUnitId: api.org.branchA }],
        ...(password ? { password } : {}),
      });
      expect(response.status).toBe(201);
      return response.body as { id: string; loginName: string; version: number };
    };
    const usersOfMember = async (memberId: string) =>
      (
        await api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM users WHERE member_id = $1`,
          [memberId],
        )
      )[0].n;

    it('creates one user on a double click: the second is 409 LOGIN_NAME_TAKEN', async () => {
      const loginName = login();
      const body = {
        loginName,
        name: '并发丁',
        grants: [{ role: 'secretary', orgUnitId: api.org.branchA }],
      };
      const answers = await twice(() => adminA.http.post('/api/users').send(body));
      expect(statuses(answers)).toEqual([201, 409]);
      expectError(refused(answers, 409), 409, 'LOGIN_NAME_TAKEN');
      const [{ n }] = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM users WHERE login_name = $1`,
        [loginName],
      );
      expect(n).toBe(1);
      expect(await systemEvents('org.user.created', (data) => data.loginName === loginName)).toBe(
        1,
      );
    });

    it('gives a member one user when two admins create one for them at once: the second is 409 MEMBER_HAS_USER', async () => {
      const memberId = await newMember('并发戊');
      const create = () =>
        adminA.http
          .post('/api/users')
          .send({ loginName: login(), name: '并发戊', memberId, grants: [] });
      const answers = await releasedTogether([create, create]);
      expect(statuses(answers)).toEqual([201, 409]);
      expectError(refused(answers, 409), 409, 'MEMBER_HAS_USER');
      expect(await usersOfMember(memberId)).toBe(1);
    });

    it('disables, gives and takes a role once on a double click: the second is 409 STALE_VERSION', async () => {
      const user = await newUser();
      const give = await twice(() =>
        adminA.http
          .post(`/api/users/${user.id}/roles`)
          .send({ role: 'supervisor', orgUnitId: api.org.branchA, version: user.version }),
      );
      expect(statuses(give)).toEqual([200, 409]);
      expectError(refused(give, 409), 409, 'STALE_VERSION');
      const given = give.find((a) => a.status === 200)!.body as { version: number };
      const take = await twice(() =>
        adminA.http
          .delete(`/api/users/${user.id}/roles`)
          .query({ role: 'supervisor', orgUnitId: api.org.branchA, version: given.version }),
      );
      expect(statuses(take)).toEqual([200, 409]);
      expectError(refused(take, 409), 409, 'STALE_VERSION');
      const taken = take.find((a) => a.status === 200)!.body as { version: number };
      const disable = await twice(() =>
        adminA.http.post(`/api/users/${user.id}/disable`).send({ version: taken.version }),
      );
      expect(statuses(disable)).toEqual([200, 409]);
      expectError(refused(disable, 409), 409, 'STALE_VERSION');
      const mine = (data: Record<string, unknown>) => data.userId === user.id;
      expect(await systemEvents('org.user.role_granted', mine)).toBe(1);
      expect(await systemEvents('org.user.role_revoked', mine)).toBe(1);
      expect(await systemEvents('org.user.disabled', mine)).toBe(1);
    });

    it('issues one token on a double click: the second is 409 TOKEN_LABEL_TAKEN', async () => {
      const user = await newUser();
      const answers = await twice(() =>
        adminA.http.post('/api/tokens').send({ userId: user.id, label: '接口', expiresInDays: 7 }),
      );
      expect(statuses(answers)).toEqual([201, 409]);
      expectError(refused(answers, 409), 409, 'TOKEN_LABEL_TAKEN');
      const [{ n }] = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1 AND label = '接口'`,
        [user.id],
      );
      expect(n).toBe(1);
    });

    it('revokes a token once on a double click: both answer it revoked, one audit event', async () => {
      const user = await newUser();
      const issued = await adminA.http
        .post('/api/tokens')
        .send({ userId: user.id, label: '集成', expiresInDays: 30 });
      expect(issued.status).toBe(201);
      const tokenId = (issued.body as { id: string }).id;
      const answers = await twice(() => adminA.http.post(`/api/tokens/${tokenId}/revoke`));
      expect(statuses(answers)).toEqual([200, 200]);
      for (const answer of answers) {
        expect((answer.body as { revokedAt: string | null }).revokedAt).not.toBeNull();
      }
      expect(await systemEvents('org.token.revoked', (data) => data.tokenId === tokenId)).toBe(1);
    });

    it('changes a password once on a double submit: the second finds the current one wrong', async () => {
      const user = await newUser('Init-Passw0rd-x');
      const server = api.app.getHttpServer();
      const session = await request(server)
        .post('/api/auth/login')
        .send({ loginName: user.loginName, password: 'Init-Passw0rd-x' });
      expect(session.status).toBe(200);
      const token = (session.body as { token: string }).token;
      const change = () =>
        request(server)
          .post('/api/auth/password')
          .set('Authorization', `Bearer ${token}`)
          .send({ current: 'Init-Passw0rd-x', new: 'Next-Passw0rd-y' });
      const answers = await twice(change);
      expect(statuses(answers)).toEqual([200, 400]);
      expectError(refused(answers, 400), 400, 'CURRENT_PASSWORD_WRONG');
      const again = await request(server)
        .post('/api/auth/login')
        .send({ loginName: user.loginName, password: 'Next-Passw0rd-y' });
      expect(again.status).toBe(200);
      const [{ n }] = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events
          WHERE type = 'auth.password_changed' AND data->>'userId' = $1`,
        [user.id],
      );
      expect(n).toBe(1);
    });
  });

  describe('notification channels', () => {
    const base = `/api/org-units/${'%s'}/channels`;
    const channels = () => base.replace('%s', api.org.branchA);
    const url = (key: string) => `http://127.0.0.1:9/wecom?key=${key}`;
    const register = (name: string) => () =>
      adminA.http.post(channels()).send({ kind: 'wecom', name, url: url(name) });
    const live = async (name: string) =>
      (
        await api.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM org_unit_channels
            WHERE org_unit_id = $1 AND name = $2 AND deleted_at IS NULL`,
          [api.org.branchA, name],
        )
      )[0].n;

    it('registers one channel on a double click: the second is 409 CHANNEL_NAME_TAKEN', async () => {
      const answers = await twice(register('支部群一'));
      expect(statuses(answers)).toEqual([201, 409]);
      expectError(refused(answers, 409), 409, 'CHANNEL_NAME_TAKEN');
      expect(await live('支部群一')).toBe(1);
    });

    it('keeps one of two edits from the same version: the other is 409 CHANNEL_VERSION_CONFLICT', async () => {
      const created = await register('支部群二')();
      expect(created.status).toBe(201);
      const channel = created.body as { id: string; version: number };
      const answers = await Promise.all(
        [false, true].map((enabled) =>
          adminA.http
            .patch(`${channels()}/${channel.id}`)
            .send({ enabled, version: channel.version }),
        ),
      );
      expect(statuses(answers)).toEqual([200, 409]);
      expectError(refused(answers, 409), 409, 'CHANNEL_VERSION_CONFLICT');
      const kept = answers.find((a) => a.status === 200)!.body as { enabled: boolean };
      const [row] = await api.dataSource.query<{ enabled: boolean; version: number }[]>(
        `SELECT enabled, version FROM org_unit_channels WHERE id = $1`,
        [channel.id],
      );
      expect(row).toEqual({ enabled: kept.enabled, version: channel.version + 1 });
    });

    it('refuses the second of two channels renamed to one name at once with 409 CHANNEL_NAME_TAKEN', async () => {
      const one = (await register('支部群三')()).body as { id: string; version: number };
      const two = (await register('支部群四')()).body as { id: string; version: number };
      const rename = (channel: { id: string; version: number }) => () =>
        adminA.http
          .patch(`${channels()}/${channel.id}`)
          .send({ name: '支部群合并', version: channel.version });
      const answers = await releasedTogether([rename(one), rename(two)]);
      expect(statuses(answers)).toEqual([200, 409]);
      expectError(refused(answers, 409), 409, 'CHANNEL_NAME_TAKEN');
      expect(await live('支部群合并')).toBe(1);
    });

    it('deletes once on a double click: the second finds no channel (404)', async () => {
      const channel = (await register('支部群五')()).body as { id: string; version: number };
      const answers = await twice(() =>
        adminA.http.delete(`${channels()}/${channel.id}`).query({ version: channel.version }),
      );
      expect(statuses(answers)).toEqual([204, 404]);
      expectError(refused(answers, 404), 404, 'CHANNEL_NOT_FOUND');
      expect(await systemEvents('channel.deleted', (data) => data.channelId === channel.id)).toBe(
        1,
      );
    });
  });
});
