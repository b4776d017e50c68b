/**
 * Issue 14's "Done means", walked as the README's "From an empty database to a working
 * organisation" tells an administrator: a fresh database without the sample
 * (SEED_SAMPLE_ON_START=false), the first admin made by the cli, the tree and the roster
 * (samples/roster.xlsx) through the api, the secretaries' and a supervisor's accounts by the
 * cli, a local test robot on one branch and another on a second branch, then the real worker
 * opens the month's theme days. Real api and worker processes, the cli spawned, PostgreSQL,
 * Redis and an HTTP listener as the robots.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { HttpRobot, OK } from '../worker/support/http-robot.js';
import { isolatedDatabase } from '../support/database.js';
import { AppProcess, freePort, waitFor } from '../support/processes.js';
import { deletePrefixKeys } from '../support/redis-keys.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The sample tree (the roster's 所在党组织 names), as the README's walk-through creates it. */
const UNITS = [
  { id: 'general-1', parentId: 'committee', kind: 'general_branch', name: '科技研发党总支' },
  { id: 'general-2', parentId: 'committee', kind: 'general_branch', name: '生产经营党总支' },
  { id: 'branch-rd', parentId: 'general-1', kind: 'branch', name: '研发中心党支部' },
  { id: 'branch-it', parentId: 'general-1', kind: 'branch', name: '信息技术党支部' },
  { id: 'branch-quality', parentId: 'general-1', kind: 'branch', name: '质量安全党支部' },
  { id: 'branch-production', parentId: 'general-2', kind: 'branch', name: '生产运营党支部' },
  { id: 'branch-marketing', parentId: 'general-2', kind: 'branch', name: '市场营销党支部' },
  { id: 'branch-office', parentId: 'general-2', kind: 'branch', name: '机关综合党支部' },
];

/** A 1×1 PNG: the activity's photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

interface Task {
  id: string;
  name: string;
  templateKey: string;
  instanceId: string;
  elementId: string;
  orgUnitId: string;
  orgUnitName: string | null;
  assigneeName: string | null;
  candidates: { id: string; name: string; kind: string }[];
  form?: { components: { key?: string; values?: { value: string; label: string }[] }[] };
}

describe('README walk-through: from an empty database to a working organisation', () => {
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let adminPassword: string;
  const robot = new HttpRobot()
    .on('/rd', () => ({ status: 200, body: OK }))
    .on('/it', () => ({ status: 200, body: OK }));

  function cli(args: string[], stdin?: string) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
        { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
      child.stdin?.end(stdin ?? '');
    });
  }

  async function call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    type = 'application/json',
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      body:
        body === undefined
          ? undefined
          : Buffer.isBuffer(body)
            ? new Uint8Array(body)
            : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    };
  }

  /** Logs in, is told to change the password first, changes it; answers the session token. */
  async function firstLogIn(loginName: string, password: string): Promise<string> {
    const login = await call('POST', '/auth/login', null, { loginName, password });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ mustChangePassword: true });
    const token = login.body.token as string;
    const blocked = await call('GET', '/tasks', token);
    expect(blocked).toMatchObject({ status: 403, body: { code: 'PASSWORD_CHANGE_REQUIRED' } });
    const changed = await call('POST', '/auth/password', token, {
      current: password,
      new: `${password}-新的-2026`,
    });
    expect(changed.status).toBe(200);
    expect((await call('GET', '/auth/me', token)).status).toBe(200);
    return token;
  }

  beforeAll(async () => {
    await robot.start();
    database = await isolatedDatabase('walkthrough');
    const port = await freePort();
    base = `http://127.0.0.1:${port}/api`;
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      BULLMQ_PREFIX: `walk-${process.pid}-${Date.now().toString(36)}`,
      PORT: String(port),
      SEED_SAMPLE_ON_START: 'false',
      CHANNEL_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    api = new AppProcess('api', env);
    worker = new AppProcess('worker', env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await robot.stop();
    if (env !== undefined) await deletePrefixKeys(env.REDIS_URL, env.BULLMQ_PREFIX);
    await database?.drop();
  }, 60_000);

  it('1. the first admin: a root committee and an account by the cli, on an empty database', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM org_units) + (SELECT count(*) FROM users) AS n',
    );
    await client.end();
    expect(Number(rows[0].n)).toBe(0);
    const root = await cli([
      'org',
      'add',
      '--id',
      'committee',
      '--name',
      '集团公司党委',
      '--kind',
      'committee',
    ]);
    expect(root).toMatchObject({ code: 0, stderr: '' });
    const admin = await cli([
      'user',
      'create',
      '--name',
      '组织部管理员',
      '--login',
      'admin.org',
      '--role',
      'admin',
      '--org',
      'committee',
    ]);
    expect(admin.code).toBe(0);
    expect(admin.stderr).toMatch(/shown once/);
    adminPassword = admin.stdout.trim();
    expect(adminPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // the api starts on it (no sample) and the admin logs in, changing the password first
    api.start();
    await waitFor('the api to be healthy', async () => (await fetch(`${base}/health`)).ok, 90_000);
  }, 120_000);

  let adminToken: string;
  let rdMembers: { id: string; name: string; status: string }[];

  it('2. the admin builds the tree and imports samples/roster.xlsx: units and members by name', async () => {
    adminToken = await firstLogIn('admin.org', adminPassword);
    for (const unit of UNITS) {
      const created = await call('POST', '/org-units', adminToken, unit);
      expect({ id: unit.id, status: created.status }).toEqual({ id: unit.id, status: 201 });
    }
    const roster = await readFile(`${ROOT}samples/roster.xlsx`);
    const imported = await call(
      'POST',
      '/org/import?fileName=roster.xlsx',
      adminToken,
      roster,
      XLSX,
    );
    expect(imported).toMatchObject({ status: 200, body: { created: 24, errorCount: 0 } });
    const listed = await call('GET', '/members?orgUnitId=branch-rd&pageSize=100', adminToken);
    rdMembers = listed.body.items as typeof rdMembers;
    expect(rdMembers.map((member) => member.name).sort()).toEqual(
      ['王伟', '黄伟', '马伟', '高伟'].sort(),
    );
    const full = await call(
      'GET',
      '/members?orgUnitId=branch-rd&status=full&pageSize=100',
      adminToken,
    );
    expect((full.body.items as { name: string }[]).map((member) => member.name).sort()).toEqual(
      ['黄伟', '马伟', '高伟'].sort(),
    );
  }, 60_000);

  it('3. accounts for the secretaries of two branches and a supervisor (cli), each logging in', async () => {
    const wang = rdMembers.find((member) => member.name === '王伟')!;
    // an empty or weak password is refused before anything is written
    const weak = await cli(
      ['user', 'create', '--name', '王伟', '--login', 'wang.wei', '--password-stdin'].concat([
        '--role',
        'secretary',
        '--org',
        'branch-rd',
      ]),
      '\n',
    );
    expect(weak).toMatchObject({ code: 2, stderr: 'the password must be at least 8 characters\n' });
    const made = await Promise.all([
      cli(
        [
          'user',
          'create',
          '--name',
          '王伟',
          '--login',
          'wang.wei',
          '--password-stdin',
          '--member',
          wang.id,
          '--role',
          'secretary',
          '--org',
          'branch-rd',
        ],
        'Shuji-rd-2026!\n',
      ),
      cli(
        [
          'user',
          'create',
          '--name',
          '信息技术党支部书记',
          '--login',
          'secretary.it',
          '--password-stdin',
          '--role',
          'secretary',
          '--org',
          'branch-it',
        ],
        'Shuji-it-2026!\n',
      ),
      cli([
        'user',
        'create',
        '--name',
        '总支组织委员',
        '--login',
        'supervisor.g1',
        '--password',
        'Dz-general-1-2026',
        '--role',
        'supervisor',
        '--org',
        'general-1',
      ]),
    ]);
    // a password given is not printed: stdout stays empty
    for (const run of made) expect(run).toMatchObject({ code: 0, stdout: '' });
    // the same login name again is refused, naming it
    const taken = await cli([
      'user',
      'create',
      '--name',
      'x',
      '--login',
      'wang.wei',
      '--role',
      'member',
      '--org',
      'branch-rd',
    ]);
    expect(taken).toMatchObject({ code: 2, stderr: "the login name 'wang.wei' is taken\n" });
    await firstLogIn('supervisor.g1', 'Dz-general-1-2026');
  }, 180_000);

  it('4. robots on two branches, then the worker opens each branch’s theme day', async () => {
    for (const [unit, path, name] of [
      ['branch-rd', '/rd', '研发中心党支部群'],
      ['branch-it', '/it', '信息技术党支部群'],
    ]) {
      const channel = await call('POST', `/org-units/${unit}/channels`, adminToken, {
        kind: 'wecom',
        name,
        url: robot.url(`${path}?key=local-test`),
      });
      expect(channel.status).toBe(201);
    }
    worker.start();
  });

  it('5. the secretary sees the theme day by names, a notice reaches their robot only, the form offers names', async () => {
    const token = await firstLogIn('wang.wei', 'Shuji-rd-2026!');
    const open = async () =>
      ((await call('GET', '/tasks?state=open&pageSize=50', token)).body.items ?? []) as Task[];
    await waitFor(
      'the theme day of branch-rd to open',
      async () => (await open()).some((task) => task.templateKey === 'theme-day'),
      90_000,
    );
    const tasks = await open();
    // only the own branch's steps, named for people: the unit's name and the role's holder
    expect(tasks.every((task) => task.orgUnitId === 'branch-rd')).toBe(true);
    const plan = tasks.find((task) => task.templateKey === 'theme-day')!;
    expect(plan).toMatchObject({
      name: '确定主题和活动方案',
      orgUnitName: '研发中心党支部',
      candidates: [expect.objectContaining({ name: '研发中心党支部 书记' })],
    });
    for (const task of tasks) {
      expect(
        `${task.name} ${task.orgUnitName} ${task.candidates.map((c) => c.name).join()}`,
      ).not.toMatch(UUID);
    }
    const complete = (taskId: string, variables: object) =>
      call('POST', `/tasks/${taskId}/complete`, token, { variables });
    const next = async () =>
      (
        (await call('GET', `/tasks?instanceId=${plan.instanceId}&state=open`, token)).body
          .items as Task[]
      )[0];
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
      new Date(),
    );
    const theme = `学习党章-${Date.now().toString(36)}`;
    expect(
      (
        await complete(plan.id, {
          theme,
          activityDate: today,
          startTime: `${today}T14:30`,
          place: '三楼党员活动室',
          plan: '集体学习、重温入党誓词、现场交纳党费',
        })
      ).status,
    ).toBe(200);
    expect((await complete((await next()).id, { approved: true, comment: '同意' })).status).toBe(
      200,
    );

    // the members' notice reaches branch-rd's robot, naming the branch, never `group:` or an id
    await waitFor(
      'the notice at the branch robot',
      () =>
        Promise.resolve(
          robot.requestsTo('/rd').some((request) => JSON.stringify(request.body).includes(theme)),
        ),
      60_000,
    );
    const notices = robot
      .requestsTo('/rd')
      .map((request) => (request.body as { markdown: { content: string } }).markdown.content)
      .filter((content) => content.includes(theme));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`主题党日通知：${theme}`);
    expect(notices[0]).toContain('接收人：研发中心党支部');
    expect(notices[0]).not.toMatch(/group:|member:|user:/);
    expect(notices[0]).not.toMatch(UUID);
    // the other branch's robot heard nothing of it (nor anything: its theme day did not move)
    expect(robot.requestsTo('/it')).toEqual([]);

    // the record's attendance picker offers the branch's members by name, ids as the values
    // (the robot hears the notice from the notice step's handler, before that step's completion
    // has opened the record, so wait for the record)
    let opened: Task | undefined;
    await waitFor(
      'the record step',
      async () => (opened = await next())?.elementId === 'Task_Record',
      30_000,
    );
    const record = opened!;
    const detail = (await call('GET', `/tasks/${record.id}`, token)).body as unknown as Task;
    const attendance = detail.form!.components.find((c) => c.key === 'attendance')!;
    expect(attendance.values!.map((option) => option.label).sort()).toEqual(
      ['王伟', '黄伟', '马伟', '高伟'].sort(),
    );
    for (const option of attendance.values!) {
      expect(option.value).toBe(rdMembers.find((member) => member.name === option.label)!.id);
    }
    // the record of 五有 needs its photo: uploaded to the step's ledger item
    const items = (
      await call('GET', `/ledger/items?instanceId=${plan.instanceId}&pageSize=50`, token)
    ).body.items as { id: string; taskId: string | null }[];
    const item = items.find((candidate) => candidate.taskId === record.id)!;
    const photo = await call(
      'POST',
      `/ledger/items/${item.id}/attachments?fileName=${encodeURIComponent('合影.png')}`,
      token,
      PNG,
      'image/png',
    );
    expect(photo.status).toBe(201);
    // attendance picked by those values: each attending member's step is named for them
    const attending = attendance.values!.filter((option) => option.label !== '高伟');
    const recorded = await complete(record.id, {
      wearBadge: true,
      payDuesOnSite: true,
      retakeOath: true,
      readConstitution: true,
      theoryStudy: true,
      organisationalLife: true,
      attendance: attending.map((option) => option.value),
      heldOn: today,
    });
    expect({
      status: recorded.status,
      body: recorded.status === 200 ? null : recorded.body,
    }).toEqual({
      status: 200,
      body: null,
    });
    const reflections = (
      (await call('GET', `/tasks?instanceId=${plan.instanceId}&state=open`, token)).body
        .items as Task[]
    ).map((task) => [task.name, task.assigneeName]);
    expect(reflections.sort()).toEqual(
      attending.map((option) => [`党员撰写感悟 — ${option.label}`, option.label]).sort(),
    );

    // the secretary of branch-it sees none of it: the step is absent for them
    const itToken = await firstLogIn('secretary.it', 'Shuji-it-2026!');
    expect((await call('GET', `/tasks/${record.id}`, itToken)).status).toBe(404);
    const itTasks = (await call('GET', '/tasks?state=open&pageSize=50', itToken)).body
      .items as Task[];
    expect(itTasks.filter((task) => task.orgUnitId !== 'branch-it')).toEqual([]);
  }, 240_000);
});
