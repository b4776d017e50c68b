import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyAudit } from '@app/audit';
import {
  AUDIT_HEAD_ROWS,
  CLAIM_DUE_TIMERS_SQL,
  DUE_TIMERS_SQL,
  INSTANCE_UPDATE_ROWS,
  TIMER_END_ROWS,
} from '@app/store';
import pg from 'pg';
import {
  Reconciler,
  TIMER_BATCH_SIZE,
  TimerProcessor,
  createWorkerApp,
} from '../../apps/worker/src/index.js';
import { QueueName } from '@app/queue';
import { flows } from './support/bpmn.js';
import { type Harness, startHarness, waitFor } from './support/harness.js';

const HOUR = 3600_000;

interface TimerJob {
  readonly instanceId: string;
  readonly timerId: string;
}

/**
 * Issue 16, part 3: due timers fire in batches — one transaction per batch, each instance's
 * step under its own row lock, batches claimed with SKIP LOCKED so workers share them — and
 * nothing is lost when a worker dies in the middle of one. The processors are called directly
 * (no BullMQ workers run here); the clock is the suite's.
 */
describe('worker timers: fired in batches', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness('tbatch', { autorun: false, env: { SERVICE_TASK_TYPES: 'tb-work' } });
  });

  afterAll(async () => {
    await h?.close();
  });

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const [row] = await h.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (${sql}) s`,
      params,
    );
    return row.n;
  };

  /** Starts `n` instances of a one-hour timer then a service task; answers their timers' jobs. */
  const startWaiting = async (key: string, n: number): Promise<TimerJob[]> => {
    await h.deploy(`${key}.bpmn`, flows.timerThenService(key, 'PT1H', 'tb-work'));
    const ids: string[] = [];
    for (let i = 0; i < n; i += 25) {
      const started = await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, () =>
          h.runtime.start({ templateKey: key }, 'test'),
        ),
      );
      ids.push(...started.map((instance) => instance.id));
    }
    const rows = await h.dataSource.query<{ id: string; instance_id: string }[]>(
      `SELECT id, instance_id FROM timers WHERE instance_id = ANY($1::uuid[]) ORDER BY instance_id`,
      [ids],
    );
    expect(rows).toHaveLength(n);
    return rows.map((row) => ({ instanceId: row.instance_id, timerId: row.id }));
  };

  /**
   * Per instance of the jobs: its timer's state, its timer.fired events, its tasks and the
   * outbox rows of their jobs, delivered (enqueued after the batch's commit).
   */
  const outcome = async (jobs: readonly TimerJob[]) =>
    h.dataSource.query<{ state: string; fired: number; tasks: number; delivered: number }[]>(
      `SELECT m.state::text AS state,
              (SELECT count(*)::int FROM audit_events e
                WHERE e.instance_id = m.instance_id AND e.type = 'timer.fired') AS fired,
              (SELECT count(*)::int FROM tasks t WHERE t.instance_id = m.instance_id) AS tasks,
              (SELECT count(*)::int FROM outbox o JOIN tasks t ON o.job_id = 'job-' || t.id
                WHERE t.instance_id = m.instance_id AND o.delivered_at IS NOT NULL) AS delivered
         FROM timers m WHERE m.id = ANY($1::uuid[]) ORDER BY m.due_at, m.id`,
      [jobs.map((job) => job.timerId)],
    );
  const firedOnceEach = (n: number) =>
    Array.from({ length: n }, () => ({ state: 'fired', fired: 1, tasks: 1, delivered: 1 }));
  const scheduled = (jobs: readonly TimerJob[]) =>
    count(`SELECT 1 FROM timers WHERE id = ANY($1::uuid[]) AND state = 'scheduled'`, [
      jobs.map((job) => job.timerId),
    ]);

  it('one job fires every due timer, a batch per transaction; the other jobs find theirs fired', async () => {
    const jobs = await startWaiting('tb-many', 2 * TIMER_BATCH_SIZE + 50);
    h.clock.advance(HOUR);
    try {
      const processor = h.get(TimerProcessor);
      // When the first job runs
      expect(await processor.handle(jobs[0])).toBe('fired');
      // Then every due timer fired, once, and its instance went on to its service task, whose job
      // was enqueued after the commit
      expect(await outcome(jobs)).toEqual(firedOnceEach(jobs.length));
      // in three transactions (two full batches and the rest), not one per timer
      expect(
        await count(`SELECT DISTINCT xmin::text FROM timers WHERE id = ANY($1::uuid[])`, [
          jobs.map((job) => job.timerId),
        ]),
      ).toBe(3);
      // And the other jobs change nothing
      for (const job of jobs.slice(1, 20)) expect(await processor.handle(job)).toBe('skipped');
      expect(await outcome(jobs)).toEqual(firedOnceEach(jobs.length));
      // And every instance's audit chain holds
      const verified = await verifyAudit(h.dataSource.manager, {
        streams: jobs.map((job) => job.instanceId),
      });
      expect(verified).toMatchObject({ ok: true, streams: jobs.length });
    } finally {
      h.clock.advance(-HOUR);
    }
  });

  it.each([
    {
      then: 'ends the instance',
      flow: (key: string) => flows.timer(key, 'PT1H'),
      after: { state: 'completed', ended: true, tasks: null },
    },
    {
      then: 'opens a service task, whose job goes through the outbox',
      flow: (key: string) => flows.timerThenService(key, 'PT1H', 'tb-work'),
      after: { state: 'active', ended: false, tasks: 1 },
    },
  ])(
    'timers whose step $then are written a statement per table, and the rows are those of a timer fired alone',
    async ({ flow, after }) => {
      // Given instances waiting on a timer: half fired alone, half in a batch
      const key = `tb-merge-${after.state}`;
      await h.deploy(`${key}.bpmn`, flow(key));
      const ids: string[] = [];
      const variables = { 议题: '学习"党章"' };
      for (let i = 0; i < 40; i++) {
        ids.push((await h.runtime.start({ templateKey: key, variables }, 'test')).id);
      }
      const timers = await h.dataSource.query<{ id: string; instance_id: string }[]>(
        `SELECT id, instance_id FROM timers WHERE instance_id = ANY($1::uuid[]) ORDER BY instance_id`,
        [ids],
      );
      const alone = timers.slice(0, 20);
      const together = timers.slice(20);
      h.clock.advance(HOUR);
      try {
        for (const timer of alone) expect(await h.runtime.fireTimer(timer.id)).toBe(true);
        const batch = await h.runtime.fireDueTimers({ limit: TIMER_BATCH_SIZE });
        expect(batch.fired.sort()).toEqual(together.map((timer) => timer.id).sort());
        expect(batch.failed).toEqual([]);

        // Then every row is as a step alone writes it (the ids aside), its jobs delivered
        const rows = (of: readonly { instance_id: string }[]) =>
          h.dataSource.query<Record<string, unknown>[]>(
            `SELECT p.state::text AS state, p.engine_state - 'id' AS engine_state, p.variables,
                    p.revision, p.updated_at, p.ended_at, m.state::text AS timer_state, m.fired_at,
                    s.seq, (SELECT array_agg(e.type ORDER BY e.seq) FROM audit_events e
                             WHERE e.stream = p.id::text) AS events,
                    (SELECT json_agg(json_build_object('kind', t.kind, 'key', t.engine_key,
                              'element', t.element_id, 'name', t.name, 'state', t.state,
                              'job', t.job_type, 'groups', t.candidate_groups,
                              'users', t.candidate_users, 'due', t.due_at,
                              'reminders', t.reminders_modelled, 'created', t.created_at,
                              'ended', t.ended_at, 'unit', t.org_unit_id,
                              'template', t.template_key,
                              'jobs', (SELECT json_agg(json_build_object('queue', o.queue,
                                         'name', o.job_name, 'notBefore', o.not_before,
                                         'payload', o.payload ->> 'taskId' = t.id::text,
                                         'delivered', o.delivered_at IS NOT NULL))
                                         FROM outbox o WHERE o.job_id = 'job-' || t.id)))
                       FROM tasks t WHERE t.instance_id = p.id) AS tasks
               FROM process_instances p JOIN timers m ON m.instance_id = p.id
               JOIN audit_streams s ON s.stream = p.id::text
              WHERE p.id = ANY($1::uuid[])`,
            [of.map((timer) => timer.instance_id)],
          );
        const first = (await rows(alone))[0];
        expect(first).toMatchObject({
          state: after.state,
          variables: { 议题: '学习"党章"' },
          timer_state: 'fired',
          fired_at: new Date(h.clock.now()),
          ended_at: after.ended ? new Date(h.clock.now()) : null,
        });
        expect((first.tasks as unknown[] | null)?.length ?? null).toBe(after.tasks);
        if (after.tasks !== null) {
          expect(first.tasks).toMatchObject([
            {
              kind: 'service',
              state: 'open',
              job: 'tb-work',
              jobs: [{ payload: true, delivered: true }],
            },
          ]);
        }
        expect(await rows(together)).toEqual(together.map(() => first));
        expect(await rows(alone)).toEqual(alone.map(() => first));
        const verified = await verifyAudit(h.dataSource.manager, { streams: ids });
        expect(verified).toMatchObject({ ok: true, streams: ids.length });

        // And the batch wrote each table in one statement: one command id for all its rows (a
        // statement per step would have given each step's rows its own)
        const commands = (table: string, of: readonly { instance_id: string }[]) =>
          count(
            `SELECT DISTINCT cmin::text FROM ${table} WHERE ${table === 'process_instances' ? 'id' : 'instance_id'} = ANY($1::uuid[])`,
            [of.map((timer) => timer.instance_id)],
          );
        const tables = ['process_instances', 'timers', ...(after.tasks ? ['tasks'] : [])];
        for (const table of tables) expect(await commands(table, together)).toBe(1);
        expect(
          await count(
            `SELECT DISTINCT xmin::text FROM process_instances WHERE id = ANY($1::uuid[])`,
            [together.map((timer) => timer.instance_id)],
          ),
        ).toBe(1);
      } finally {
        h.clock.advance(-HOUR);
      }
    },
  );

  it('the month-end wave of theme days (月底未完成 → 标记本月逾期) is written a statement per table', async () => {
    // Given this month's theme days of five branches, none finished
    await h.deploy(
      'theme-day.bpmn',
      readFileSync(new URL('../../process-templates/theme-day.bpmn', import.meta.url), 'utf8'),
    );
    const month = new Date(h.clock.now()).toISOString().slice(0, 7);
    const ids: string[] = [];
    for (const branch of ['b1', 'b2', 'b3', 'b4', 'b5']) {
      const variables = { branchId: branch, month, memberCount: 3, memberIds: ['m1', 'm2', 'm3'] };
      ids.push((await h.runtime.start({ templateKey: 'theme-day', variables }, 'test')).id);
    }
    const timers = await h.dataSource.query<{ id: string }[]>(
      `SELECT id FROM timers WHERE instance_id = ANY($1::uuid[]) AND state = 'scheduled'`,
      [ids],
    );
    expect(timers).toHaveLength(5);
    h.clock.advance(40 * 24 * HOUR);
    try {
      // When the month is over and a batch fires their boundary timers
      const batch = await h.runtime.fireDueTimers({ limit: TIMER_BATCH_SIZE });
      expect(batch.fired).toEqual(expect.arrayContaining(timers.map((timer) => timer.id)));
      // Then each opened its 标记本月逾期 service task, and the batch wrote each table once
      const written = (table: string, where: string) =>
        count(`SELECT DISTINCT cmin::text FROM ${table} WHERE ${where} = ANY($1::uuid[])`, [ids]);
      expect(
        await count(
          `SELECT 1 FROM tasks WHERE instance_id = ANY($1::uuid[]) AND element_id = 'Task_FlagOverdue'`,
          [ids],
        ),
      ).toBe(5);
      expect(await written('process_instances', 'id')).toBe(1);
      expect(await written('timers', 'instance_id')).toBe(1);
      expect(
        await count(
          `SELECT DISTINCT cmin::text FROM tasks WHERE instance_id = ANY($1::uuid[]) AND kind = 'service'`,
          [ids],
        ),
      ).toBe(1);
    } finally {
      h.clock.advance(-40 * 24 * HOUR);
    }
  });

  it('a timer not due yet is not taken by a batch; its own job fires it alone', async () => {
    const [early] = await startWaiting('tb-early', 1);
    h.clock.advance(HOUR / 2);
    const [late] = await startWaiting('tb-late', 1);
    h.clock.advance(HOUR / 2);
    try {
      // When the early timer's job runs, the later one (due in half an hour) stays scheduled
      expect(await h.get(TimerProcessor).handle(early)).toBe('fired');
      expect(await outcome([early, late])).toEqual([
        { state: 'fired', fired: 1, tasks: 1, delivered: 1 },
        { state: 'scheduled', fired: 0, tasks: 0, delivered: 0 },
      ]);
      // And a job delivered before its time (another clock) still fires its timer, as before
      expect(await h.get(TimerProcessor).handle(late)).toBe('fired');
      expect(await outcome([late])).toEqual(firedOnceEach(1));
    } finally {
      h.clock.advance(-HOUR);
    }
  });

  it('two workers share the due timers: every timer fires once, wherever its job runs', async () => {
    const jobs = await startWaiting('tb-two', 3 * TIMER_BATCH_SIZE);
    const second = await createWorkerApp({
      env: h.env,
      clock: h.clock,
      autorun: false,
      logger: false,
    });
    h.clock.advance(HOUR);
    try {
      const processors = [h.get(TimerProcessor), second.get(TimerProcessor)];
      // When every job runs, four at a time on each worker
      const results: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, lane) => {
          while (next < jobs.length) {
            const job = jobs[next++];
            results.push(await processors[lane % 2].handle(job));
          }
        }),
      );
      // Then each timer fired once, each job reported it fired or found it fired
      expect(await outcome(jobs)).toEqual(firedOnceEach(jobs.length));
      expect(results.filter((r) => r !== 'fired' && r !== 'skipped')).toEqual([]);
      expect(await count(`SELECT 1 FROM timers WHERE state = 'scheduled'`, [])).toBe(0);
    } finally {
      h.clock.advance(-HOUR);
      await second.close();
    }
  });

  it('a worker that dies holding a batch loses nothing: its timers are skipped, then fired once', async () => {
    const jobs = await startWaiting('tb-dead', 300);
    h.clock.advance(HOUR);
    const dying = new pg.Client({ connectionString: h.databaseUrl });
    await dying.connect();
    dying.on('error', () => undefined);
    try {
      // Given a worker claimed 100 due timers with their instances and died before committing
      await dying.query('BEGIN');
      const { rows: held } = await dying.query<{ timer_id: string }>(CLAIM_DUE_TIMERS_SQL, [
        new Date(h.clock.now()),
        100,
        [],
      ]);
      expect(held).toHaveLength(100);
      const heldJob = jobs.find((job) => job.timerId === held[0].timer_id)!;
      // When the job of one of its timers runs
      const handled = h.get(TimerProcessor).handle(heldJob);
      // Then the batches fire every other due timer and leave the held ones alone
      await waitFor('the timers not held to fire', async () => (await scheduled(jobs)) === 100);
      expect(
        await count(`SELECT 1 FROM timers WHERE id = ANY($1::uuid[]) AND state = 'scheduled'`, [
          held.map((row) => row.timer_id),
        ]),
      ).toBe(100);
      // And once the job has found nothing more to claim and waits for its own timer's lock
      // (not before: a claim made after the connection is gone takes the held timers as a batch)
      await waitFor(
        'the job to wait for its held timer',
        async () =>
          (await count(
            `SELECT 1 FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            [],
          )) >= 1,
      );
      // and the dead worker's connection is gone, the job fires its own timer
      const [{ pid }] = (await dying.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      await h.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      expect(await handled).toBe('fired');
      // And the job of another held timer fires the rest
      const other = jobs.find((job) => job.timerId === held[1].timer_id)!;
      expect(await h.get(TimerProcessor).handle(other)).toBe('fired');
      expect(await outcome(jobs)).toEqual(firedOnceEach(jobs.length));
    } finally {
      h.clock.advance(-HOUR);
      await dying.end().catch(() => undefined);
    }
  });

  it('the reconciler enqueues every timer due within its horizon, page after page', async () => {
    // Given more than two pages (1,000 each) of timers due at distinct instants within the
    // horizon: timers written too far ahead for a job (JOBS_AHEAD_MS) get theirs this way
    const [job] = await startWaiting('tb-pages', 1);
    const n = 2_500;
    await h.dataSource.query(
      `INSERT INTO timers (instance_id, engine_key, element_id, purpose, due_at, state)
       SELECT $1, 'page-' || g, 'Wait', 'timer', $2::timestamptz + g * interval '1 millisecond',
              'scheduled'::timer_state
         FROM generate_series(1, $3::int) g`,
      [job.instanceId, new Date(h.clock.now() - n), n],
    );
    try {
      // When the reconciler sweeps once
      const report = await h.get(Reconciler).sweep();
      // Then each of them (and the instance's own timer, an hour ahead, not) has its job
      expect(report.timers).toBe(n);
      const ids = await h.dataSource.query<{ id: string }[]>(
        `SELECT id FROM timers WHERE engine_key LIKE 'page-%' ORDER BY due_at DESC LIMIT 1`,
      );
      expect(await h.queue(QueueName.Timers).getJobState(`timer-${ids[0].id}`)).toBe('waiting');
    } finally {
      await h.dataSource.query(`DELETE FROM timers WHERE engine_key LIKE 'page-%'`);
      await h.queue(QueueName.Timers).obliterate({ force: true });
    }
  });

  it('finds and claims due timers through the index of scheduled timers, not by reading them all', async () => {
    // Given many timers that fired or wait further ahead
    const [job] = await startWaiting('tb-plan', 1);
    await h.dataSource.query(
      `INSERT INTO timers (instance_id, engine_key, element_id, purpose, due_at, state, fired_at)
       SELECT $1, 'plan-' || g, 'Wait', 'timer', $2::timestamptz + g * interval '1 minute',
              CASE WHEN g % 10 = 0 THEN 'scheduled'::timer_state ELSE 'fired'::timer_state END,
              CASE WHEN g % 10 = 0 THEN NULL ELSE $2::timestamptz END
         FROM generate_series(1, 50000) g`,
      [job.instanceId, new Date(h.clock.now())],
    );
    await h.dataSource.query('ANALYZE timers');
    try {
      const plans = {
        reconciler: await explain(DUE_TIMERS_SQL, [
          new Date(h.clock.now() + HOUR),
          1000,
          '-infinity',
        ]),
        claim: await explain(CLAIM_DUE_TIMERS_SQL, [new Date(h.clock.now() + HOUR), 200, []]),
      };
      for (const plan of Object.values(plans)) {
        const all = nodes(plan);
        expect(
          all.filter(
            (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'timers',
          ),
        ).toEqual([]);
        expect(all.map((node) => node['Index Name'])).toContain('timers_due_idx');
      }
    } finally {
      await h.dataSource.query(`DELETE FROM timers WHERE engine_key LIKE 'plan-%'`);
    }
  });

  it('writes a batch of steps through each table’s index, not by reading the tables', async () => {
    // Given large tables of instances, timers and chain heads
    const [job] = await startWaiting('tb-rows', 1);
    await h.dataSource.query(
      `INSERT INTO process_instances (id, definition_id, template_key, version, state, engine_state, started_by)
       SELECT gen_random_uuid(), definition_id, 'tb-rows-bulk', version, 'active', '{}', 'test'
         FROM process_instances, generate_series(1, 20000) WHERE id = $1`,
      [job.instanceId],
    );
    await h.dataSource.query(
      `INSERT INTO timers (instance_id, engine_key, element_id, purpose, due_at)
       SELECT id, 'rows', 'Wait', 'timer', now() FROM process_instances WHERE template_key = 'tb-rows-bulk'`,
    );
    await h.dataSource.query(
      `INSERT INTO audit_streams (stream, seq, hash)
       SELECT id::text, 0, '' FROM process_instances WHERE template_key = 'tb-rows-bulk'`,
    );
    await h.dataSource.query('ANALYZE process_instances; ANALYZE timers; ANALYZE audit_streams');
    try {
      for (const form of [INSTANCE_UPDATE_ROWS, TIMER_END_ROWS, AUDIT_HEAD_ROWS]) {
        const all = nodes(await explain(form.sql, ['[]']));
        expect(all.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
        expect(all.some((node) => /Index Scan/.test(String(node['Node Type'])))).toBe(true);
      }
    } finally {
      await h.dataSource.query(
        `DELETE FROM audit_streams WHERE stream IN (SELECT id::text FROM process_instances WHERE template_key = 'tb-rows-bulk')`,
      );
      await h.dataSource.query(
        `DELETE FROM timers WHERE instance_id IN (SELECT id FROM process_instances WHERE template_key = 'tb-rows-bulk')`,
      );
      await h.dataSource.query(`DELETE FROM process_instances WHERE template_key = 'tb-rows-bulk'`);
    }
  });

  type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

  const explain = async (sql: string, params: unknown[]): Promise<PlanNode> => {
    const [row] = await h.dataSource.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      params,
    );
    return row['QUERY PLAN'][0].Plan;
  };

  const nodes = (plan: PlanNode): PlanNode[] => [
    plan,
    ...(plan.Plans ?? []).flatMap((child) => nodes(child)),
  ];
});
