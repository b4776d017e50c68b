/**
 * Scheduled starts (the monthly kick-off of theme days and political birthdays), their catch-up
 * when a worker starts, and the `member-status` service-task handler, on the sample
 * organisation, with the clock moved by months.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OrgDirectory } from '@app/org';
import { QueueName } from '@app/queue';
import { DATA_SOURCE } from '@app/runtime';
import { parseDateTime } from '@app/time';
import type { INestApplicationContext } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { seedSampleOrganisation } from '../../apps/cli/src/seed/seed.js';
import {
  JobHandlerRegistry,
  MaintenanceProcessor,
  MonthlyKickoff,
  RunJobProcessor,
  WorkerHost,
  createWorkerApp,
} from '../../apps/worker/src/index.js';
import { TestClock } from '../support/database.js';
import { type Harness, startHarness } from '../worker/support/harness.js';

const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const at = (local: string) => parseDateTime(local, 'Asia/Shanghai');

interface InstanceRow {
  business_key: string;
  org_unit_id: string;
  variables: Record<string, unknown>;
  started_by: string;
}

let h: Harness;
let directory: OrgDirectory;
/** The database of the running app (the catch-up suite starts a second app on it). */
let db: DataSource;

const instances = (templateKey: string, suffix: string) =>
  db.query<InstanceRow[]>(
    `SELECT business_key, org_unit_id, variables, started_by FROM process_instances
      WHERE template_key = $1 AND business_key LIKE '%' || $2 ORDER BY business_key`,
    [templateKey, suffix],
  );

/** Members the kick-off should treat as admitted, by branch (computed here, independently). */
const admitted = async () =>
  db.query<
    { id: string; name: string; org_unit_id: string; admission_date: string; status: string }[]
  >(
    `SELECT id, name, org_unit_id, admission_date::text, status::text FROM members
      WHERE status IN ('probationary', 'full')`,
  );

beforeAll(async () => {
  h = await startHarness('org_sched', { autorun: false });
  db = h.dataSource;
  directory = h.get(OrgDirectory);
  const seeded = await seedSampleOrganisation(h.dataSource, directory, h.clock);
  expect(seeded.seeded).toBe(true);
  // A 党小组 under branch-rd with a member admitted in March: her birthday belongs to branch-rd.
  await directory.createUnit({
    id: 'group-rd-1',
    parentId: 'branch-rd',
    kind: 'group',
    name: '第一党小组',
  });
  await directory.createMember({
    orgUnitId: 'group-rd-1',
    name: '欧阳文华',
    status: 'full',
    birthDate: '1980-05-02',
    admissionDate: '2005-03-21',
  });
  // Not started: admitted this March (first anniversary next year), cancelled, not admitted.
  await directory.createMember({
    orgUnitId: 'branch-it',
    name: '新预备',
    status: 'probationary',
    birthDate: '2000-01-01',
    admissionDate: '2027-03-10',
  });
  await directory.createMember({
    orgUnitId: 'branch-it',
    name: '已除名',
    status: 'cancelled',
    birthDate: '1970-01-01',
    admissionDate: '1999-03-03',
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('monthly kick-off', () => {
  it('given a month whose templates are not deployed, when kicked off, then it skips them and starts nothing', async () => {
    h.clock.set(at('2027-03-20T10:00:00'));
    const report = await h.get(MonthlyKickoff).run();
    expect(report).toEqual({
      month: '2027-03',
      themeDays: { started: 0, existing: 0, skipped: true },
      birthdays: { started: 0, existing: 0, skipped: true },
    });
    expect(await instances('theme-day', '')).toEqual([]);
  });

  it('given March, when kicked off, then one theme day per branch with the branch, month and its admitted members', async () => {
    await h.deploy('theme-day.bpmn', await fixture('theme-day.bpmn'));
    h.clock.set(at('2027-03-20T10:00:00'));
    const report = await h.get(MonthlyKickoff).run();

    expect(report.themeDays).toEqual({ started: 6, existing: 0, skipped: false });
    const rows = await instances('theme-day', ':2027-03');
    const branches = (await directory.unitsOfKind('branch')).map((b) => b.id).sort();
    expect(rows.map((row) => row.business_key)).toEqual(
      branches.map((id) => `theme-day:${id}:2027-03`),
    );
    const members = await admitted();
    const unitOf = async (unitId: string) => (await directory.unit(unitId)).path;
    for (const row of rows) {
      const branch = row.org_unit_id;
      const branchPath = await unitOf(branch);
      const expected: string[] = [];
      for (const member of members) {
        if ((await unitOf(member.org_unit_id)).startsWith(branchPath)) expected.push(member.id);
      }
      expect(row.business_key).toBe(`theme-day:${branch}:2027-03`);
      expect(row.started_by).toBe('system:scheduler');
      expect(row.variables).toEqual({
        branchId: branch,
        month: '2027-03',
        memberCount: expected.length,
        memberIds: expect.arrayContaining(expected),
      });
      expect((row.variables.memberIds as string[]).length).toBe(expected.length);
    }
    // 7 full + 1 probationary per branch; branch-rd also has the group's member, branch-it the
    // new probationary member
    const count = (branch: string) =>
      rows.find((row) => row.org_unit_id === branch)!.variables.memberCount;
    expect(count('branch-rd')).toBe(9);
    expect(count('branch-it')).toBe(9);
    expect(count('branch-office')).toBe(8);
  });

  it('given political-birthday deployed later in the month, when kicked off again, then exactly the members admitted in a March of an earlier year get one, in their branch', async () => {
    await h.deploy('political-birthday.bpmn', await fixture('political-birthday.bpmn'));
    const report = await h.get(MonthlyKickoff).run();

    const expected = (await admitted()).filter(
      (m) => m.admission_date.slice(5, 7) === '03' && m.admission_date < '2027-01-01',
    );
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(report.themeDays).toEqual({ started: 0, existing: 6, skipped: false });
    expect(report.birthdays).toEqual({ started: expected.length, existing: 0, skipped: false });
    const rows = await instances('political-birthday', ':2027');
    expect(rows.map((row) => row.business_key).sort()).toEqual(
      expected.map((m) => `political-birthday:${m.id}:2027`).sort(),
    );
    const names = rows.map((row) => row.variables.memberName);
    expect(names).toContain('欧阳文华');
    expect(names).not.toContain('新预备');
    expect(names).not.toContain('已除名');
    for (const row of rows) {
      const member = expected.find((m) => row.business_key.includes(m.id))!;
      const branch = member.org_unit_id === 'group-rd-1' ? 'branch-rd' : member.org_unit_id;
      expect(row.org_unit_id).toBe(branch);
      expect(row.variables).toEqual({
        memberId: member.id,
        memberName: member.name,
        admissionDate: member.admission_date,
        year: 2027,
        branchId: branch,
      });
    }
  });

  it('given the same month again (a redelivered job, a second replica), when kicked off twice at once, then nothing new starts', async () => {
    const before = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM process_instances`,
    );
    const reports = await Promise.all([
      h.get(MaintenanceProcessor).handle('monthly-kickoff'),
      h.get(MonthlyKickoff).run(),
    ]);
    for (const report of reports) {
      expect(report).toMatchObject({
        month: '2027-03',
        themeDays: { started: 0, existing: 6 },
        birthdays: { started: 0 },
      });
    }
    expect(
      await h.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM process_instances`),
    ).toEqual(before);
  });

  it('given the last second of March in Asia/Shanghai, then it is still March; at 00:00 on 1 April, a new set of theme days and April birthdays starts', async () => {
    h.clock.set(at('2027-03-31T23:59:59'));
    expect((await h.get(MonthlyKickoff).run()).month).toBe('2027-03');

    h.clock.set(at('2027-04-01T00:00:00'));
    const report = await h.get(MonthlyKickoff).run();
    const april = (await admitted()).filter(
      (m) => m.admission_date.slice(5, 7) === '04' && m.admission_date < '2027-01-01',
    );
    expect(report).toEqual({
      month: '2027-04',
      themeDays: { started: 6, existing: 0, skipped: false },
      birthdays: { started: april.length, existing: 0, skipped: false },
    });
    expect(april.length).toBeGreaterThan(0);
    expect(await instances('theme-day', ':2027-04')).toHaveLength(6);
    expect(await instances('theme-day', ':2027-03')).toHaveLength(6);
  });

  it('registers the kick-off as a cluster-wide cron at 00:00 on the 1st in TIME_ZONE, and an hourly catch-up', async () => {
    await h.get(WorkerHost).ensureSchedules();
    const queue = h.queue(QueueName.Maintenance);
    const monthly = await queue.getJobScheduler('monthly-kickoff');
    expect(monthly).toMatchObject({
      name: 'monthly-kickoff',
      pattern: '0 0 1 * *',
      tz: 'Asia/Shanghai',
    });
    // The next run is 00:00 on a 1st, Shanghai time (BullMQ computes it from the real time).
    const next = new Date(monthly!.next!);
    const shanghai = new Date(next.getTime() + 8 * 3600_000);
    expect([shanghai.getUTCDate(), shanghai.getUTCHours(), shanghai.getUTCMinutes()]).toEqual([
      1, 0, 0,
    ]);
    expect(await queue.getJobScheduler('monthly-kickoff-catch-up')).toMatchObject({
      name: 'monthly-kickoff',
      pattern: '30 * * * *',
      tz: 'Asia/Shanghai',
    });
    // Upserting again keeps one scheduler of each id, and drops the retired ledger sweep's that
    // an older worker left
    await queue.upsertJobScheduler(
      'ledger-escalate',
      { every: 60_000 },
      { name: 'ledger-escalate' },
    );
    await h.get(WorkerHost).ensureSchedules();
    expect(await queue.getJobScheduler('ledger-escalate')).toBeUndefined();
    const ids = (await queue.getJobSchedulers()).map((s) => s.key).sort();
    expect(ids.filter((id) => id.startsWith('monthly-kickoff'))).toEqual([
      'monthly-kickoff',
      'monthly-kickoff-catch-up',
    ]);
  });
});

describe('member-status handler', () => {
  let memberId: string;

  beforeAll(async () => {
    await h.deploy('member-status.bpmn', await fixture('member-status.bpmn'));
    [{ id: memberId }] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM members WHERE org_unit_id = 'branch-marketing' AND status = 'probationary'`,
    );
  });

  const statusEvents = async (id: string) =>
    h.dataSource.query<{ data: Record<string, unknown>; actor: string }[]>(
      `SELECT data, actor FROM audit_events WHERE type = 'org.member.status' AND data ->> 'memberId' = $1`,
      [id],
    );
  const serviceTask = async (instanceId: string) =>
    (
      await h.dataSource.query<{ id: string; state: string }[]>(
        `SELECT id, state FROM tasks WHERE instance_id = $1 AND kind = 'service'`,
        [instanceId],
      )
    )[0];

  it('given a service task with status full, when its job is delivered twice, then one status change, one audit event, one completion', async () => {
    const instance = await h.runtime.start(
      { templateKey: 'org-member-status', orgUnitId: 'branch-marketing', variables: { memberId } },
      'test',
    );
    const task = await serviceTask(instance.id);
    const processor = h.get(RunJobProcessor);
    const job = { instanceId: instance.id, taskId: task.id };

    expect(await processor.handle(job, { attemptsMade: 0, attempts: 3 })).toBe('completed');
    expect(await processor.handle(job, { attemptsMade: 0, attempts: 3 })).toBe('skipped');

    expect((await directory.member(memberId)).status).toBe('full');
    expect(await statusEvents(memberId)).toEqual([
      { data: { memberId, from: 'probationary', to: 'full' }, actor: 'system:worker' },
    ]);
    expect((await serviceTask(instance.id)).state).toBe('completed');
  });

  it('given the handler runs twice for one task (a crash before completion), then the second run changes nothing', async () => {
    const handler = h.get(JobHandlerRegistry).get('member-status')!;
    const [{ id }] = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM members WHERE org_unit_id = 'branch-marketing' AND status = 'activist'`,
    );
    const ctx = {
      instanceId: '00000000-0000-4000-8000-000000000001',
      orgUnitId: 'branch-marketing',
      taskId: '00000000-0000-4000-8000-000000000002',
      elementId: 'MakeCandidate',
      jobType: 'member-status',
      variables: { memberId: id },
      headers: { status: 'candidate' },
    };
    await handler(ctx);
    await handler(ctx);
    expect((await directory.member(id)).status).toBe('candidate');
    expect(await statusEvents(id)).toHaveLength(1);
  });

  it('given bad input, then an UnrecoverableError naming what is wrong, and nothing changes', async () => {
    const handler = h.get(JobHandlerRegistry).get('member-status')!;
    const ctx = (variables: Record<string, string | null>, headers: Record<string, string>) => ({
      instanceId: '00000000-0000-4000-8000-000000000001',
      orgUnitId: 'branch-marketing',
      taskId: '00000000-0000-4000-8000-000000000002',
      elementId: 'Work',
      jobType: 'member-status',
      variables,
      headers,
    });
    const cases: [ReturnType<typeof ctx>, string][] = [
      [ctx({ memberId }, { status: 'promoted' }), "task header 'status' is 'promoted'"],
      [ctx({ memberId }, { status: 'applicant' }), "task header 'status' is 'applicant'"],
      [ctx({ memberId }, {}), "task header 'status' is missing"],
      [ctx({}, { status: 'full' }), "variable 'memberId' must be a member id (a uuid), got null"],
      [ctx({ memberId: 'zhang' }, { status: 'full' }), 'got "zhang"'],
      [
        ctx({ memberId: '00000000-0000-4000-8000-0000000000ff' }, { status: 'full' }),
        "no member '00000000-0000-4000-8000-0000000000ff'",
      ],
    ];
    for (const [input, message] of cases) {
      const error = await handler(input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnrecoverableError);
      expect((error as Error).message).toContain(message);
    }
    expect(await statusEvents(memberId)).toHaveLength(1);
  });
});

describe('catch-up when a worker starts', () => {
  let app: INestApplicationContext | undefined;

  afterAll(async () => {
    await app?.close();
  });

  it('given a worker that was down on 1 June, when it starts on 10 June, then June theme days and birthdays are open', async () => {
    await h.closeApp();
    const clock = new TestClock(at('2027-06-10T08:00:00'));
    app = await createWorkerApp({ env: h.env, clock, logger: false });
    db = app.get<DataSource>(DATA_SOURCE);

    const june = (await admitted()).filter(
      (m) => m.admission_date.slice(5, 7) === '06' && m.admission_date < '2027-01-01',
    );
    expect(await instances('theme-day', ':2027-06')).toHaveLength(6);
    const birthdays = await db.query<{ business_key: string }[]>(
      `SELECT business_key FROM process_instances WHERE template_key = 'political-birthday'
          AND variables ->> 'admissionDate' LIKE '%-06-%'`,
    );
    expect(birthdays.map((row) => row.business_key).sort()).toEqual(
      june.map((m) => `political-birthday:${m.id}:2027`).sort(),
    );
  });
});
