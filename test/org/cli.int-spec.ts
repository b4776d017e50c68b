/**
 * The operators' commands, spawned as operators run them, against a database of their own (the
 * seed writes fixed unit ids, which no other suite may share).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import { OrgDirectory, ROLES } from '@app/org';
import { systemClock } from '@app/store';
import type { DataSource } from 'typeorm';
import { sampleOrganisation } from '../../apps/cli/src/seed/sample-organisation.js';
import { isolatedDatabase, testDataSource } from '../support/database.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let databaseUrl: string;
let drop: () => Promise<void>;
let dataSource: DataSource;
let directory: OrgDirectory;

function cli(...args: string[]): Promise<Run> {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', '@swc-node/register/esm-register', 'apps/cli/src/main.ts', ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, DATABASE_URL: databaseUrl, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Row counts of everything the seed writes. */
async function counts(): Promise<Record<string, number>> {
  const [row] = await dataSource.query<Record<string, number>[]>(
    `SELECT (SELECT count(*)::int FROM org_units) AS units,
            (SELECT count(*)::int FROM members) AS members,
            (SELECT count(*)::int FROM users) AS users,
            (SELECT count(*)::int FROM user_roles) AS grants,
            (SELECT count(*)::int FROM api_tokens) AS tokens,
            (SELECT count(*)::int FROM audit_events) AS audit`,
  );
  return row;
}

let seed: Run;
let notSeeded: Run;
let unitsBefore: number;

beforeAll(async () => {
  const database = await isolatedDatabase('org_cli');
  databaseUrl = database.url;
  drop = database.drop;
  dataSource = await testDataSource(2, databaseUrl);
  directory = new OrgDirectory(dataSource, systemClock);
  notSeeded = await cliWith({ SEED_SAMPLE_ON_START: 'false' }, 'seed', '--if-empty');
  unitsBefore = (await counts()).units;
  seed = await cli('seed');
}, 120_000);

afterAll(async () => {
  await dataSource?.destroy();
  await drop?.();
});

describe('cli seed', () => {
  it('given SEED_SAMPLE_ON_START=false, when npm start seeds (--if-empty), then nothing is written', () => {
    expect(notSeeded).toMatchObject({ code: 0, stdout: '' });
    expect(notSeeded.stderr).toContain('SEED_SAMPLE_ON_START=false');
    expect(unitsBefore).toBe(0);
  });

  it('given an empty database, when seeded, then exit 0 and the tree is one committee, two general branches, six branches', async () => {
    expect(seed.code).toBe(0);
    expect(seed.stdout).toMatch(/^seeded the sample organisation: 9 org units, 60 members/);
    expect(seed.stderr).toContain('well-known DEVELOPMENT');
    const kinds = await dataSource.query<{ kind: string; n: number }[]>(
      `SELECT kind::text, count(*)::int AS n FROM org_units GROUP BY kind ORDER BY kind`,
    );
    expect(kinds).toEqual([
      { kind: 'branch', n: 6 },
      { kind: 'committee', n: 1 },
      { kind: 'general_branch', n: 2 },
    ]);
    expect((await directory.unit('branch-rd')).path).toBe('/committee/general-1/branch-rd/');
    const branches = await directory.unitsOfKind('branch');
    for (const branch of branches) {
      expect(await directory.members(branch.id)).toHaveLength(10);
    }
    expect(await directory.members('committee')).toHaveLength(60);
  });

  it('writes admission dates in all twelve months, years in the past, only for admitted members', async () => {
    const rows = await dataSource.query<{ month: number; year: number; status: string }[]>(
      `SELECT EXTRACT(MONTH FROM admission_date)::int AS month,
              EXTRACT(YEAR FROM admission_date)::int AS year, status::text
         FROM members WHERE admission_date IS NOT NULL`,
    );
    expect(new Set(rows.map((row) => row.month)).size).toBe(12);
    expect(Math.max(...rows.map((row) => row.year))).toBeLessThanOrEqual(2026);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['full', 'probationary']));
  });

  it('gives every branch exactly one secretary, who is one of its members', async () => {
    for (const branch of await directory.unitsOfKind('branch')) {
      const secretaries = await dataSource.query<{ member_unit: string | null }[]>(
        `SELECT m.org_unit_id AS member_unit
           FROM user_roles r JOIN users u ON u.id = r.user_id
           LEFT JOIN members m ON m.id = u.member_id
          WHERE r.role = 'secretary' AND r.org_unit_id = $1`,
        [branch.id],
      );
      expect(secretaries).toEqual([{ member_unit: branch.id }]);
    }
  });

  it('prints tokens that authenticate with the grants they are printed with', async () => {
    const lines = seed.stdout.trim().split('\n').slice(1);
    expect(lines).toHaveLength(sampleOrganisation().users.length);
    for (const line of lines) {
      const [token, grants] = line.trim().split(/\s+/);
      const principal = await directory.authenticate(token);
      expect(principal).not.toBeNull();
      expect(principal!.grants.map((g) => `${g.role}@${g.orgUnitId}`).join(',')).toBe(grants);
    }
    const secretary = await directory.authenticate('bf_dev_secretary_branch-rd');
    expect(secretary).toMatchObject({
      grants: [
        { role: 'secretary', orgUnitId: 'branch-rd', path: '/committee/general-1/branch-rd/' },
      ],
    });
    expect(secretary!.memberId).not.toBeNull();
    expect(await directory.authenticate('bf_dev_supervisor')).toMatchObject({
      memberId: null,
      grants: [{ role: 'supervisor', orgUnitId: 'committee', path: '/committee/' }],
    });
    expect(await directory.authenticate('bf_dev_integrator')).toMatchObject({
      grants: [{ role: 'integrator', orgUnitId: 'committee' }],
    });
    expect((await directory.authenticate('bf_dev_member_branch-rd'))?.grants).toEqual([
      { role: 'member', orgUnitId: 'branch-rd', path: '/committee/general-1/branch-rd/' },
    ]);
    expect(await directory.authenticate('bf_dev_nobody_at_all')).toBeNull();
  });

  it('audits the seed in the system stream: one event per unit, member and user, and one for the seed', async () => {
    const events = await dataSource.query<{ type: string; n: number }[]>(
      `SELECT type, count(*)::int AS n FROM audit_events WHERE stream = 'system' GROUP BY type ORDER BY type`,
    );
    expect(events).toEqual([
      { type: 'org.member.created', n: 60 },
      { type: 'org.sample.seeded', n: 1 },
      { type: 'org.unit.created', n: 9 },
      { type: 'org.user.created', n: sampleOrganisation().users.length },
    ]);
  });

  it('given a seeded database, when seeded with --if-empty, then exit 0 and nothing changes; without it, exit 1 and nothing changes', async () => {
    const before = await counts();
    const ifEmpty = await cli('seed', '--if-empty');
    expect(ifEmpty).toMatchObject({ code: 0, stdout: '' });
    expect(ifEmpty.stderr).toContain('not empty (9 org units)');
    const again = await cli('seed');
    expect(again).toMatchObject({ code: 1, stdout: '' });
    expect(await counts()).toEqual(before);
  });
});

describe('cli user create, token issue, org list', () => {
  it('given a name, a role and a unit, when created, then the token alone is on stdout and authenticates with that grant', async () => {
    const run = await cli(
      'user',
      'create',
      '--name',
      '新任组织委员',
      '--role',
      'secretary',
      '--org',
      'branch-it',
      '--label',
      'laptop',
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^bf_[A-Za-z0-9_-]{40,}$/);
    expect(run.stderr).toContain('shown once');
    const principal = await directory.authenticate(lines[0]);
    expect(principal).toMatchObject({
      name: '新任组织委员',
      memberId: null,
      grants: [{ role: 'secretary', orgUnitId: 'branch-it' }],
    });
    const [token] = await dataSource.query<{ label: string }[]>(
      `SELECT label FROM api_tokens WHERE user_id = $1`,
      [principal!.userId],
    );
    expect(token).toEqual({ label: 'laptop' });
  });

  it('given repeated --role/--org pairs and a member, when created, then the user holds each grant and is that member', async () => {
    const [member] = await dataSource.query<{ id: string }[]>(
      `SELECT m.id FROM members m LEFT JOIN users u ON u.member_id = m.id
        WHERE m.org_unit_id = 'branch-office' AND u.id IS NULL ORDER BY m.name LIMIT 1`,
    );
    const run = await cli(
      'user',
      'create',
      '--name',
      '双重身份',
      '--member',
      member.id,
      '--role',
      'member',
      '--org',
      'branch-office',
      '--role',
      'supervisor',
      '--org',
      'general-2',
    );
    expect(run.code).toBe(0);
    const principal = await directory.authenticate(run.stdout.trim());
    expect(principal?.memberId).toBe(member.id);
    expect(principal?.grants.map((g) => `${g.role}@${g.orgUnitId}`).sort()).toEqual([
      'member@branch-office',
      'supervisor@general-2',
    ]);
    // The same member cannot be a second user
    const twice = await cli(
      'user',
      'create',
      '--name',
      'again',
      '--member',
      member.id,
      '--role',
      'member',
      '--org',
      'branch-office',
    );
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`member '${member.id}' is already user '双重身份'`);
  });

  it('refuses bad input with exit 2, one line naming the problem, nothing on stdout and nothing written', async () => {
    const before = await counts();
    const [badRole, unknownUnit, missingOrg, missingName, unpaired, badMember, unknownFlag] =
      await Promise.all([
        cli('user', 'create', '--name', 'x', '--role', 'boss', '--org', 'branch-rd'),
        cli('user', 'create', '--name', 'x', '--role', 'secretary', '--org', 'branch-nowhere'),
        cli('user', 'create', '--name', 'x', '--role', 'secretary'),
        cli('user', 'create', '--role', 'secretary', '--org', 'branch-rd'),
        cli(
          'user',
          'create',
          '--name',
          'x',
          '--role',
          'secretary',
          '--role',
          'member',
          '--org',
          'branch-rd',
        ),
        cli(
          'user',
          'create',
          '--name',
          'x',
          '--role',
          'member',
          '--org',
          'branch-rd',
          '--member',
          '00000000-0000-4000-8000-000000000000',
        ),
        cli('user', 'create', '--name', 'x', '--role', 'member', '--org', 'branch-rd', '--admin'),
      ]);
    const expectations: [Run, string][] = [
      [badRole, `unknown role 'boss' (roles: ${ROLES.join(', ')})`],
      [unknownUnit, "unknown org unit 'branch-nowhere'"],
      [missingOrg, 'missing --org'],
      [missingName, 'missing --name'],
      [unpaired, 'each --role needs its own --org (got 2 --role and 1 --org)'],
      [badMember, "no member '00000000-0000-4000-8000-000000000000'"],
      [unknownFlag, "Unknown option '--admin'"],
    ];
    for (const [run, message] of expectations) {
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toContain(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await counts()).toEqual(before);
  }, 120_000);

  it('issues another token for an existing user, audited; an unknown user is exit 2', async () => {
    const secretary = await directory.authenticate('bf_dev_secretary_branch-quality');
    const [issued, unknown, notUuid] = await Promise.all([
      cli('token', 'issue', '--user', secretary!.userId, '--label', 'phone'),
      cli('token', 'issue', '--user', '00000000-0000-4000-8000-000000000000'),
      cli('token', 'issue', '--user', 'zhang'),
    ]);
    expect(issued.code).toBe(0);
    expect((await directory.authenticate(issued.stdout.trim()))?.userId).toBe(secretary!.userId);
    expect(await directory.authenticate('bf_dev_secretary_branch-quality')).not.toBeNull();
    const [event] = await dataSource.query<{ data: unknown }[]>(
      `SELECT data FROM audit_events WHERE type = 'org.token.issued'`,
    );
    expect(event?.data).toEqual({ userId: secretary!.userId, label: 'phone' });
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain("no user '00000000-0000-4000-8000-000000000000'");
    expect(notUuid).toMatchObject({ code: 2, stdout: '' });
  });

  it('lists the tree with ids, kinds, member counts and names', async () => {
    const run = await cli('org', 'list');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UNIT\s+KIND\s+MEMBERS\s+NAME$/);
    expect(lines).toHaveLength(10);
    expect(lines[1]).toMatch(/^committee\s+committee\s+60\s+集团公司党委$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}general-1\s+general_branch\s+30\s+科技研发党总支$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {4}branch-rd\s+branch\s+10\s+研发中心党支部$/),
    );
  });
});

describe('cli audit verify, audit checkpoint', () => {
  beforeAll(async () => {
    // The system stream has events whatever ran before (the seed writes them too)
    await dataSource.transaction((tx) =>
      appendAudit(tx, SYSTEM_STREAM, [
        { type: 'test.cli-audit', actor: 'test', at: systemClock.now(), data: {} },
      ]),
    );
  });

  it('verifies the whole trail or one stream: one JSON line like the api’s, exit 0', async () => {
    const [whole, system] = await Promise.all([
      cli('audit', 'verify'),
      cli('audit', 'verify', '--stream', 'system'),
    ]);
    for (const run of [whole, system]) {
      expect(run.code).toBe(0);
      expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
      expect(JSON.parse(run.stdout)).toEqual({
        ok: true,
        streams: expect.any(Number),
        events: expect.any(Number),
        broken: null,
      });
    }
    expect((JSON.parse(system.stdout) as { streams: number }).streams).toBe(1);
  });

  it('given an edited event, when verified, then exit 1 and the broken link is named', async () => {
    const [event] = await dataSource.query<{ seq: number; actor: string }[]>(
      `SELECT seq, actor FROM audit_events WHERE stream = 'system' ORDER BY seq LIMIT 1`,
    );
    const setActor = (actor: string) =>
      dataSource.transaction(async (tx) => {
        await tx.query(`SET LOCAL session_replication_role = replica`);
        await tx.query(`UPDATE audit_events SET actor = $1 WHERE stream = 'system' AND seq = $2`, [
          actor,
          event.seq,
        ]);
      });
    await setActor('mallory');
    try {
      const run = await cli('audit', 'verify', '--stream', 'system');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual(
        expect.objectContaining({
          ok: false,
          broken: expect.objectContaining({ stream: 'system', seq: event.seq }),
        }),
      );
      expect((await cli('audit', 'verify')).code).toBe(1);
    } finally {
      await setActor(event.actor);
    }
    expect((await cli('audit', 'verify')).code).toBe(0);
  });

  it('given a ledger item whose stream left no trace in the audit tables, when its stream is verified, then it is broken (exit 1), not unknown', async () => {
    // A hand-opened item written without its events (as if they were all deleted)
    const [item] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO ledger_items (list, source, title, state, created_by, created_at, updated_at)
       VALUES ('task', 'manual', '无痕事项', 'open', 'test', now(), now()) RETURNING id::text AS id`,
    );
    try {
      const run = await cli('audit', 'verify', '--stream', `ledger:${item.id}`);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false });
    } finally {
      await dataSource.query(`DELETE FROM ledger_items WHERE id = $1`, [item.id]);
    }
  });

  it('refuses bad input with exit 2, one line naming the problem and nothing on stdout', async () => {
    // One after another: each spawns a node process
    const runs: Run[] = [];
    for (const args of [
      ['audit'],
      ['audit', 'frobnicate'],
      ['audit', 'verify', '--strem', 'system'],
      ['audit', 'verify', '--stream'],
      ['audit', 'verify', '--stream', 'nope'],
      ['audit', 'verify', '--stream', '00000000-0000-4000-8000-000000000000'],
      ['audit', 'verify', '--stream', 'ledger:00000000-0000-4000-8000-000000000000'],
      ['audit', 'checkpoint', 'now'],
    ]) {
      runs.push(await cli(...args));
    }
    const messages = [
      'usage: cli audit verify',
      "unknown audit command 'frobnicate'",
      "Unknown option '--strem'",
      "Option '--stream <value>' argument missing",
      "--stream 'nope' is not an audit stream",
      "no audit stream '00000000-0000-4000-8000-000000000000'",
      "no audit stream 'ledger:00000000-0000-4000-8000-000000000000'",
      "unexpected 'now'",
    ];
    runs.forEach((run, i) => {
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toContain(messages[i]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
  }, 300_000);

  it('takes this period’s checkpoint once: prints the record it exports, a rerun prints the same and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'branchflow-cli-checkpoint-'));
    try {
      const file = join(dir, 'checkpoints.jsonl');
      // A period of 100 weeks: the two runs fall in the same one
      const env = { AUDIT_CHECKPOINT_FILE: file, AUDIT_CHECKPOINT_EVERY: 'P100W' };
      const first = await cliWith(env, 'audit', 'checkpoint');
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const record = JSON.parse(first.stdout) as { seq: number; hash: string; period: string };
      expect(record).toEqual({
        type: 'audit.checkpoint',
        period: expect.any(String),
        at: expect.any(String),
        seq: expect.any(Number),
        hash: expect.any(String),
        streams: expect.any(Number),
        events: expect.any(Number),
        digest: expect.any(String),
      });
      expect(
        (await readFile(file, 'utf8'))
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([record]);
      const [event] = await dataSource.query<{ hash: string; actor: string }[]>(
        `SELECT hash, actor FROM audit_events WHERE stream = 'system' AND seq = $1`,
        [record.seq],
      );
      expect(event).toEqual({ hash: record.hash, actor: 'operator' });

      const rerun = await cliWith(env, 'audit', 'checkpoint');
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout)).toEqual(record);
      expect(rerun.stderr).toContain(`period ${record.period} was already checkpointed`);
      expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
      const [count] = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_checkpoints WHERE period = $1`,
        [record.period],
      );
      expect(count.n).toBe(1);
      expect((await cli('audit', 'verify')).code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
