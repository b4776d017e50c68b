/**
 * Bulk starts (issue 16, part 2): batches of starts, one transaction each, written with
 * multi-row statements — the same rows a single start writes, idempotent by business key
 * (a batch rolled back by a crash starts each missing instance once when it runs again),
 * durable (a flushed Redis gets its jobs back from PostgreSQL), with progress; and the
 * kick-off's org-tree queries as index range scans.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyAudit } from '@app/audit';
import { BIRTHDAY_MEMBERS_SQL, OrgDirectory, THEME_DAY_BRANCHES_SQL } from '@app/org';
import { QueueName } from '@app/queue';
import { type StartInput, batchJobId } from '@app/store';
import type { DataSource } from 'typeorm';
import { seedSampleOrganisation } from '../../apps/cli/src/seed/seed.js';
import { BulkStartRunner, MonthlyKickoff } from '../../apps/worker/src/index.js';
import { type Harness, startHarness } from './support/harness.js';

const template = (name: string) =>
  readFile(new URL(`../../process-templates/${name}`, import.meta.url), 'utf8');

let h: Harness;
let db: DataSource;
let runner: BulkStartRunner;
let branches: string[];
let members: { id: string; name: string; org_unit_id: string }[];

beforeAll(async () => {
  h = await startHarness('bulk_starts', { autorun: false });
  db = h.dataSource;
  runner = h.get(BulkStartRunner);
  h.clock.set(MONTH_START);
  expect((await seedSampleOrganisation(db, h.get(OrgDirectory), h.clock)).seeded).toBe(true);
  await h.deploy('theme-day.bpmn', await template('theme-day.bpmn'));
  await h.deploy('political-birthday.bpmn', await template('political-birthday.bpmn'));
  branches = (
    await db.query<{ id: string }[]>(`SELECT id FROM org_units WHERE kind = 'branch' ORDER BY id`)
  ).map((row) => row.id);
  members = await db.query(
    `SELECT id, name, org_unit_id FROM members WHERE status IN ('probationary', 'full') ORDER BY id`,
  );
  expect(branches.length).toBeGreaterThanOrEqual(3);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const MONTH_START = Date.parse('2027-03-01T00:00:00+08:00');
/**
 * Five minutes before the theme day's plan task has its first default reminder (P3D before
 * 03-05 23:59:59): within JOBS_AHEAD_MS, so a start then writes that reminder's outbox job too
 * (at the month's start, every job of the start is too far ahead to be written).
 */
const NEAR_A_REMINDER = Date.parse('2027-03-02T23:55:00+08:00');

/** Runs `body` with the clock at `at`, then puts it back at the month's start. */
async function at<T>(instant: number, body: () => Promise<T>): Promise<T> {
  h.clock.set(instant);
  try {
    return await body();
  } finally {
    h.clock.set(MONTH_START);
  }
}

const themeDay = (branch: string, key: string): StartInput => {
  const ids = members.filter((m) => m.org_unit_id === branch).map((m) => m.id);
  return {
    templateKey: 'theme-day',
    businessKey: key,
    orgUnitId: branch,
    variables: { branchId: branch, month: '2027-03', memberCount: ids.length, memberIds: ids },
  };
};

const birthday = (member: { id: string; name: string; org_unit_id: string }, key: string) => ({
  templateKey: 'political-birthday',
  businessKey: key,
  orgUnitId: member.org_unit_id,
  variables: {
    memberId: member.id,
    memberName: member.name,
    admissionDate: '2001-03-05',
    year: 2027,
    branchId: member.org_unit_id,
  },
});

const idOf = async (templateKey: string, businessKey: string) => {
  const [row] = await db.query<{ id: string }[]>(
    `SELECT id FROM process_instances WHERE template_key = $1 AND business_key = $2`,
    [templateKey, businessKey],
  );
  if (!row) throw new Error(`no instance ${templateKey} ${businessKey}`);
  return row.id;
};

/**
 * Every row an instance's start wrote, with its ids (instance, tasks, items, timers) and
 * business key replaced by names, without serial numbers and database defaults of the time
 * written (a timer's created_at) and without the audit hashes (they chain the instance id):
 * two starts of the same input must give the same text.
 */
async function written(instanceId: string): Promise<string> {
  const q = (sql: string) => db.query<{ row: Record<string, unknown> }[]>(sql, [instanceId]);
  const [instance] = await q(
    `SELECT to_jsonb(p) - 'id' - 'definition_id' AS row FROM process_instances p WHERE id = $1`,
  );
  const tasks = await q(
    `SELECT to_jsonb(t) AS row FROM tasks t WHERE instance_id = $1 ORDER BY engine_key`,
  );
  const timers = await q(
    `SELECT to_jsonb(t) - 'created_at' AS row FROM timers t WHERE instance_id = $1 ORDER BY engine_key`,
  );
  const items = await q(
    `SELECT to_jsonb(l) AS row FROM ledger_items l WHERE instance_id = $1 ORDER BY title, id`,
  );
  const entries = await q(
    `SELECT to_jsonb(e) - 'id' - 'seq' AS row FROM ledger_entries e JOIN ledger_items l ON l.id = e.item_id
      WHERE l.instance_id = $1 ORDER BY e.id`,
  );
  const events = await q(
    `SELECT to_jsonb(a) - 'id' - 'hash' - 'prev_hash' - 'stream' AS row FROM audit_events a
      WHERE stream = $1::text ORDER BY seq`,
  );
  const [head] = await q(`SELECT to_jsonb(s) - 'stream' - 'hash' AS row FROM audit_streams s
    WHERE stream = $1::text`);
  const taskIds = tasks.map((t) => String(t.row.id));
  const outbox = await db.query<{ row: Record<string, unknown> }[]>(
    `SELECT to_jsonb(o) - 'id' - 'created_at' - 'delivered_at' - 'attempts' AS row FROM outbox o
      WHERE payload ->> 'instanceId' = $1 OR payload ->> 'taskId' = ANY ($2::text[])
      ORDER BY job_name, not_before, job_id`,
    [instanceId, taskIds],
  );
  let text = JSON.stringify({ instance, tasks, timers, items, entries, events, head, outbox });
  const names = new Map<string, string>([[instanceId, '<instance>']]);
  for (const t of tasks) names.set(String(t.row.id), `<task ${String(t.row.engine_key)}>`);
  for (const t of timers) names.set(String(t.row.id), `<timer ${String(t.row.engine_key)}>`);
  for (const l of items) names.set(String(l.row.id), `<item ${String(l.row.title)}>`);
  const key = String(instance?.row.business_key);
  names.set(key, '<business key>');
  for (const [id, name] of names) text = text.split(id).join(name);
  return text;
}

describe('a batch writes what single starts write', () => {
  it('given the same inputs, when started one by one and as one batch, then every row is the same but for ids, and the audit chains verify', async () => {
    const singles = [
      ...branches.map((b) => themeDay(b, `single-${b}`)),
      ...members.slice(0, 3).map((m, i) => birthday(m, `single-birthday-${i}`)),
    ];
    await at(NEAR_A_REMINDER, async () => {
      for (const input of singles) await h.runtime.start(input, 'user:someone');
    });
    const byTemplate = (key: string, prefix: string) =>
      singles
        .filter((input) => input.templateKey === key)
        .map((input) => ({ ...input, businessKey: input.businessKey!.replace('single', prefix) }));
    const plans = [
      await runner.plan({
        kind: 'directive',
        templateKey: 'theme-day',
        orgUnitId: null,
        requestedBy: 'user:someone',
        inputs: byTemplate('theme-day', 'batch'),
        batchSize: 100,
      }),
      await runner.plan({
        kind: 'directive',
        templateKey: 'political-birthday',
        orgUnitId: null,
        requestedBy: 'user:someone',
        inputs: byTemplate('political-birthday', 'batch'),
        batchSize: 100,
      }),
    ];
    await at(NEAR_A_REMINDER, async () => {
      for (const plan of plans) {
        expect(plan.batches).toBe(1);
        await runner.drain(plan.id);
      }
    });
    const streams: string[] = [];
    for (const input of singles) {
      const single = await idOf(input.templateKey, input.businessKey!);
      const batched = await idOf(input.templateKey, input.businessKey!.replace('single', 'batch'));
      streams.push(single, batched);
      expect(await written(batched)).toEqual(await written(single));
    }
    // the start wrote tasks, ledger items and entries, reminder jobs, audit events: compared
    const sample = JSON.parse(await written(streams[1])) as Record<string, unknown[]>;
    expect(sample.tasks.length).toBeGreaterThan(0);
    expect(sample.items.length).toBeGreaterThan(0);
    expect(sample.entries.length).toBeGreaterThan(0);
    expect(sample.events.length).toBeGreaterThan(3);
    expect(sample.outbox.length).toBeGreaterThan(0);
    const verified = await verifyAudit(db.manager, { streams });
    expect(verified).toMatchObject({ ok: true, streams: streams.length });
  });
});

describe('idempotent by business key, durable, with progress', () => {
  it('given a batch that fails half-way (a crash), when it runs again, then each missing instance starts exactly once and what existed is left alone', async () => {
    const inputs = branches.map((b) => themeDay(b, `crash-${b}`));
    // one of them exists already (started by hand, or by a replica that got there first)
    await h.runtime.start(inputs[1], 'system:scheduler');
    const plan = await runner.plan({
      kind: 'kickoff',
      templateKey: 'theme-day',
      orgUnitId: null,
      requestedBy: 'system:scheduler',
      inputs,
      batchSize: 2,
    });
    expect(plan.batches).toBe(Math.ceil(inputs.length / 2));
    expect(await runner.bulk.progress(plan.id)).toMatchObject({
      total: inputs.length,
      started: 0,
      existing: 0,
      left: inputs.length,
      batchesDone: 0,
      finishedAt: null,
    });
    // The crash: the batch's last write fails (after its instances, tasks, items were written)
    await db.query(`CREATE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'worker killed'; END $$`);
    await db.query(`CREATE TRIGGER crash_once BEFORE INSERT ON outbox FOR EACH ROW
      WHEN (NEW.job_name = 'task-reminder') EXECUTE FUNCTION crash_once()`);
    await expect(at(NEAR_A_REMINDER, () => runner.runBatch(plan.id, 0))).rejects.toThrow(
      'worker killed',
    );
    await db.query(`DROP TRIGGER crash_once ON outbox`);
    await db.query(`DROP FUNCTION crash_once()`);
    const count = async () =>
      (
        await db.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM process_instances WHERE business_key LIKE 'crash-%'`,
        )
      )[0].n;
    expect(await count()).toBe(1);
    expect(await runner.bulk.progress(plan.id)).toMatchObject({ left: inputs.length });

    // Run again, twice at once (a redelivered job and the drain): one of them runs it
    const runs = await Promise.all([runner.runBatch(plan.id, 0), runner.runBatch(plan.id, 0)]);
    expect(runs.filter((run) => run.ran)).toHaveLength(1);
    await runner.drain(plan.id);
    expect(await runner.runBatch(plan.id, 0)).toEqual({ ran: false });
    expect(await count()).toBe(inputs.length);
    const perKey = await db.query<{ business_key: string; instances: number; tasks: number }[]>(
      `SELECT p.business_key, count(DISTINCT p.id)::int AS instances, count(t.id)::int AS tasks
         FROM process_instances p LEFT JOIN tasks t ON t.instance_id = p.id
        WHERE p.business_key LIKE 'crash-%' GROUP BY 1 ORDER BY 1`,
    );
    expect(perKey.map((row) => row.business_key)).toEqual(
      inputs.map((input) => input.businessKey).sort(),
    );
    for (const row of perKey) expect(row).toMatchObject({ instances: 1, tasks: 1 });
    const progress = await runner.bulk.progress(plan.id);
    expect(progress).toMatchObject({
      total: inputs.length,
      started: inputs.length - 1,
      existing: 1,
      failed: 0,
      left: 0,
      batchesDone: plan.batches,
    });
    expect(progress?.finishedAt).toBeInstanceOf(Date);
  });

  it('given a flushed Redis, when the reconciler sweeps, then every pending batch has its job again, and none once all are done', async () => {
    const inputs = branches.map((b) => themeDay(b, `flush-${b}`));
    const plan = await runner.plan({
      kind: 'kickoff',
      templateKey: 'theme-day',
      orgUnitId: null,
      requestedBy: 'system:scheduler',
      inputs,
      batchSize: 2,
    });
    const queue = h.queue(QueueName.BulkStarts);
    expect(await queue.getJob(batchJobId(plan.id, 0))).toBeDefined();
    await h.deleteQueueKeys();
    expect(await queue.getJob(batchJobId(plan.id, 0))).toBeUndefined();
    h.clock.advance(10_000);
    expect(await runner.reconcile()).toBeGreaterThanOrEqual(plan.batches);
    for (let n = 0; n < plan.batches; n += 1) {
      const job = await queue.getJob(batchJobId(plan.id, n));
      expect(job?.data).toEqual({ bulkId: plan.id, n });
    }
    await runner.drain(plan.id);
    await h.deleteQueueKeys();
    expect(await runner.reconcile()).toBe(0);
  });

  it('given an engine refusal for one input, then the others start and the refusal is counted and said', async () => {
    const good = themeDay(branches[0], 'refused-good');
    const bad = {
      ...themeDay(branches[1], 'refused-bad'),
      variables: { memberIds: 'not a list' },
    };
    const plan = await runner.plan({
      kind: 'directive',
      templateKey: 'theme-day',
      orgUnitId: null,
      requestedBy: 'user:someone',
      inputs: [good, bad],
    });
    await runner.drain(plan.id);
    const progress = await runner.bulk.progress(plan.id);
    expect(progress).toMatchObject({ total: 2, left: 0 });
    expect(progress!.started + progress!.failed).toBe(2);
    expect(progress!.started).toBeGreaterThanOrEqual(1);
  });
});

describe('the kick-off', () => {
  it('given 3,000 more branches, then its org-tree queries are index scans (no sequential scan of org_units) and it starts every theme day once', async () => {
    await db.query(`INSERT INTO org_units (id, parent_id, kind, name, path)
      SELECT 'gen-' || g, 'committee', 'general_branch', '总支' || g, '/committee/gen-' || g || '/'
        FROM generate_series(1, 10) g`);
    await db.query(`INSERT INTO org_units (id, parent_id, kind, name, path)
      SELECT 'br-' || b, 'gen-' || (1 + b % 10), 'branch', '支部' || b,
             '/committee/gen-' || (1 + b % 10) || '/br-' || b || '/'
        FROM generate_series(1, 3000) b`);
    await db.query(`INSERT INTO members (org_unit_id, name, status, admission_date)
      SELECT 'br-' || b, '党员' || b || '-' || k, 'full', make_date(1990 + k, 1 + (b + k) % 12, 1 + k)
        FROM generate_series(1, 3000) b, generate_series(1, 3) k`);
    await db.query('ANALYZE');
    for (const [sql, params] of [
      [THEME_DAY_BRANCHES_SQL, [['probationary', 'full']]],
      [BIRTHDAY_MEMBERS_SQL, [3, 2027, ['probationary', 'full']]],
    ] as const) {
      const plan = (
        await db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, params as unknown as unknown[])
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).not.toMatch(/Seq Scan on org_units/);
      expect(plan).toMatch(
        sql === THEME_DAY_BRANCHES_SQL
          ? /Index Scan using org_units_path_idx on org_units u .*\n\s+Index Cond: \(\(path ~>=~ b\.path\) AND \(path ~<~/
          : /Index Scan (using|on) org_units_pkey.*\n\s+Index Cond: \(id = ANY \(string_to_array/,
      );
    }
    const report = await h.get(MonthlyKickoff).run({ batchSize: 400 });
    expect(report.themeDays.started + report.themeDays.existing).toBe(branches.length + 3000);
    const [dupes] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (SELECT org_unit_id FROM process_instances
        WHERE template_key = 'theme-day' AND business_key LIKE 'theme-day:%' GROUP BY 1 HAVING count(*) > 1) d`,
    );
    expect(dupes.n).toBe(0);
    expect((await h.get(MonthlyKickoff).run()).themeDays).toEqual({
      started: 0,
      existing: branches.length + 3000,
      skipped: false,
    });
  }, 120_000);
});
