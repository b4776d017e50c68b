/**
 * The data set of `npm run bench:scale` (issue 16), generated with set-based SQL: a committee,
 * general branches of 50 branches each, the branches, their members, and years of theme days and
 * political birthdays with their tasks, ledger items and entries, in the shapes the engine and
 * the ledger projection write them (see bench/README.md, "bench:scale").
 *
 * Every statement inserts a whole table (or a whole slice of one) from generate_series and
 * temporary tables; nothing is written row by row. Random choices come from random() after
 * setseed(), so a size gives the same shape every run.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** Per branch, at full size (2,000 branches): 36 monthly theme days + 14 political birthdays. */
export const MONTHS = 36;
export const BIRTHDAYS_PER_BRANCH = 14;
/** Admitted members per branch (the theme day's reflections: one task each), plus 2 not yet. */
export const ADMITTED_PER_BRANCH = 7;
export const BRANCHES_PER_GENERAL = 50;
/**
 * Share of past instances left unfinished (stuck at a step, their open items overdue and
 * escalated); theme days mostly at the members' reflections. Chosen so that about 8 % of the
 * items are overdue, as the issue's data set.
 */
export const STUCK_SHARE = 0.18;
/** Ledger items per branch at full size (measured: ~508), for `--items N`. */
export const ITEMS_PER_BRANCH = 508;

/** The ledger's namespace of task items' v5 uuids (libs/ledger taskItemId). */
const ITEM_NAMESPACE = '5c1e0b7e-4b5a-4f0e-9d3a-2f6b8c7d1e90';

export interface Sizes {
  readonly branches: number;
}

export interface Users {
  /** user ids (the actors written on completions and closures) */
  readonly committeeSupervisor: string;
  readonly secretary: string;
}

interface UserTaskSpec {
  readonly template: string;
  readonly stage: number;
  readonly elementId: string;
  readonly name: string;
  readonly standard: string | null;
  readonly groups: string[];
  /** 'member': the stage's member (reflection: each admitted member; birthday: the member). */
  readonly assignee: 'member' | null;
  readonly due: 'plan' | 'month';
  readonly form: string | null;
  /** Tasks of the stage: the reflections are one per admitted member. */
  readonly copies: number;
}

const THEME_DAY = 'theme-day';
const POLITICAL_BIRTHDAY = 'political-birthday';

/** The user tasks of the two templates, in order, read from their BPMN files. */
export function userTasks(templatesDir: string): UserTaskSpec[] {
  const specs: UserTaskSpec[] = [];
  for (const template of [THEME_DAY, POLITICAL_BIRTHDAY]) {
    const xml = readFileSync(`${templatesDir}/${template}.bpmn`, 'utf8');
    const tasks = [
      ...xml.matchAll(/<bpmn:userTask id="([^"]+)" name="([^"]+)">([\s\S]*?)<\/bpmn:userTask>/g),
    ];
    tasks.forEach(([, elementId, name, body], stage) => {
      const doc = /<bpmn:documentation>([\s\S]*?)<\/bpmn:documentation>/.exec(body)?.[1] ?? null;
      const groups = /candidateGroups="([^"]*)"/.exec(body)?.[1];
      const assignee = /assignee="([^"]*)"/.exec(body)?.[1];
      const due = /dueDate="=([^"]*)"/.exec(body)?.[1];
      specs.push({
        template,
        stage,
        elementId,
        name: unescapeXml(name),
        standard: doc === null ? null : unescapeXml(doc.trim()),
        groups: groups ? groups.split(',').map((g) => g.trim()) : [],
        assignee: assignee ? 'member' : null,
        due: due === 'planDueAt' ? 'plan' : 'month',
        form: /formId="([^"]+)"/.exec(body)?.[1] ?? null,
        copies: /multiInstanceLoopCharacteristics/.test(body) ? ADMITTED_PER_BRANCH : 1,
      });
    });
  }
  const count = (t: string) => specs.filter((s) => s.template === t).length;
  if (count(THEME_DAY) !== 6 || count(POLITICAL_BIRTHDAY) !== 8) {
    throw new Error(
      `expected 6 user tasks in theme-day.bpmn and 8 in political-birthday.bpmn, found ` +
        `${count(THEME_DAY)} and ${count(POLITICAL_BIRTHDAY)}: the generator follows those files`,
    );
  }
  return specs;
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

type Report = (line: string) => void;

async function timed(
  client: pg.ClientBase,
  report: Report,
  what: string,
  sql: string,
  params: unknown[] = [],
) {
  const started = performance.now();
  const result = await client.query(sql, params);
  report(
    `    ${what}: ${result.rowCount ?? 0} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return result;
}

/**
 * The organisation: committee `sc`, general branches `sc-g001`… of 50 branches each, branches
 * `sc-b00001`…, paths as org_units' check wants ('/sc/sc-g001/sc-b00001/'); per branch
 * `admitted` admitted members (one of them probationary) with admission dates spread over
 * 1990–2024, an activist and an applicant.
 */
export async function generateOrganisation(
  client: pg.ClientBase,
  branches: number,
  report: Report,
  admitted = ADMITTED_PER_BRANCH,
): Promise<void> {
  await client.query(`SELECT setseed(0.16)`);
  await timed(
    client,
    report,
    'org_units',
    `INSERT INTO org_units (id, parent_id, kind, name, path)
     SELECT 'sc', NULL, 'committee'::org_unit_kind, '集团党委（规模基准）', '/sc/'
     UNION ALL
     SELECT format('sc-g%s', lpad(g::text, 3, '0')), 'sc', 'general_branch', format('第%s党总支', g),
            format('/sc/sc-g%s/', lpad(g::text, 3, '0'))
       FROM generate_series(1, ceil($1::numeric / ${BRANCHES_PER_GENERAL})::int) g
     UNION ALL
     SELECT format('sc-b%s', lpad(b::text, 5, '0')),
            format('sc-g%s', lpad(((b - 1) / ${BRANCHES_PER_GENERAL} + 1)::text, 3, '0')),
            'branch', format('第%s党支部', b),
            format('/sc/sc-g%s/sc-b%s/', lpad(((b - 1) / ${BRANCHES_PER_GENERAL} + 1)::text, 3, '0'),
                   lpad(b::text, 5, '0'))
       FROM generate_series(1, $1::int) b`,
    [branches],
  );
  await timed(
    client,
    report,
    'members',
    `INSERT INTO members (org_unit_id, name, status, gender, birth_date, admission_date, full_member_date)
     SELECT format('sc-b%s', lpad(b::text, 5, '0')),
            format('党员%s-%s', b, lpad(j::text, 2, '0')),
            (CASE WHEN j < $2 THEN 'full' WHEN j = $2 THEN 'probationary'
                  WHEN j = $2 + 1 THEN 'activist' ELSE 'applicant' END)::member_status,
            (CASE WHEN random() < 0.5 THEN 'male' ELSE 'female' END)::member_gender,
            date '1960-01-01' + (random() * 14000)::int,
            CASE WHEN j <= $2 THEN a END,
            CASE WHEN j < $2 THEN a + 365 END
       FROM (SELECT b, j, date '1990-01-01' + (random() * 12775)::int AS a
               FROM generate_series(1, $1::int) b, generate_series(1, $2::int + 2) j) d`,
    [branches, admitted],
  );
}

/**
 * Years of work: per branch a theme day for each of the last 36 months (this one included) and
 * 14 political birthdays over the same months; their tasks (each user task of the file up to
 * where the instance stands; a theme day's reflections one per admitted member), one ledger item
 * per user task (the ledger's v5 id from instance and engine key) and the items' entries
 * (opened, progress, submitted, closed, escalated). Finished theme days were approved by the
 * committee's supervisor, which closed their items (the ledger.verifies step); nine in ten
 * finished birthdays were closed by hand, the rest stay submitted. Some of the past instances are
 * stuck at a step (18 %): their open items are overdue and escalated (up to 5 times, one level at a
 * time). This month's stand as far as the date allows. Answers the rows written per table.
 */
export async function generateWork(
  client: pg.ClientBase,
  specs: readonly UserTaskSpec[],
  users: Users,
  timeZone: string,
  report: Report,
): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const result = await timed(client, report, what, sql, params);
    if (!what.startsWith('(')) rows[what] = (rows[what] ?? 0) + (result.rowCount ?? 0);
  };
  // uuid_generate_v5 for the items' ids, as libs/ledger's taskItemId derives them (the
  // migrations do not need the extension: TypeORM created it while entities were declared)
  await client.query(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`);
  await client.query(`SELECT setseed(0.42)`);
  await client.query(`SET synchronous_commit = off`);
  await client.query(`SET work_mem = '256MB'`);
  await client.query(`CREATE TEMP TABLE g_step (
      template text, stage int, element_id text, name text, standard text, groups text[],
      by_member boolean, due text, form text, copies int)`);
  await client.query(
    `INSERT INTO g_step
     SELECT a, b, c, d, e, f::text[], g, h, i, j
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::boolean[], $8::text[], $9::text[], $10::int[]) AS u(a, b, c, d, e, f, g, h, i, j)`,
    [
      specs.map((s) => s.template),
      specs.map((s) => s.stage),
      specs.map((s) => s.elementId),
      specs.map((s) => s.name),
      specs.map((s) => s.standard),
      specs.map((s) => `{${s.groups.join(',')}}`),
      specs.map((s) => s.assignee === 'member'),
      specs.map((s) => s.due),
      specs.map((s) => s.form),
      specs.map((s) => s.copies),
    ],
  );
  // Branches with their admitted members in name order (as the kick-off lists them).
  await step(
    '(branches)',
    `CREATE TEMP TABLE g_branch AS
     SELECT b.id AS branch, b.parent_id AS general,
            array_agg(m.id ORDER BY m.name, m.id) AS member_ids,
            array_agg(m.name ORDER BY m.name, m.id) AS member_names,
            array_agg(m.admission_date ORDER BY m.name, m.id) AS admissions
       FROM org_units b JOIN members m ON m.org_unit_id = b.id
      WHERE b.kind = 'branch' AND m.status IN ('full', 'probationary')
      GROUP BY b.id, b.parent_id`,
  );
  // Instances: months back (0 = this month); p = the stage open now (= stages once finished).
  await step(
    '(instances planned)',
    `CREATE TEMP TABLE g_inst AS
     WITH base AS (
       SELECT b.*, t.template, t.mo, t.k, d.id AS def_id, d.version,
              (date_trunc('month', now() AT TIME ZONE $1) - make_interval(months => t.mo)) AS local_start
         FROM g_branch b
         CROSS JOIN LATERAL (
           SELECT 'theme-day' AS template, mo, 0 AS k FROM generate_series(0, ${MONTHS - 1}) mo
           UNION ALL
           SELECT 'political-birthday', (k * ${MONTHS}) / ${BIRTHDAYS_PER_BRANCH}, k
             FROM generate_series(0, ${BIRTHDAYS_PER_BRANCH - 1}) k) t
         JOIN LATERAL (SELECT id, version FROM process_definitions
                        WHERE key = t.template ORDER BY version DESC LIMIT 1) d ON true
     ), timed AS (
       SELECT base.*, (local_start + interval '5 minutes') AT TIME ZONE $1 AS t0,
              to_char(local_start, 'YYYY-MM') AS month,
              local_start + interval '4 days 23:59:59' AS plan_due_local,
              local_start + interval '1 month' - interval '1 second' AS month_due_local,
              CASE WHEN template = 'theme-day' THEN 6 ELSE 8 END AS stages,
              random() AS r1, random() AS r2, random() AS r3, random() AS r4
         FROM base
     )
     SELECT gen_random_uuid() AS id, timed.*,
            plan_due_local AT TIME ZONE $1 AS plan_due,
            month_due_local AT TIME ZONE $1 AS month_due,
            CASE
              WHEN mo = 0 THEN least(floor(r1 * stages)::int,
                                     floor(extract(epoch FROM now() - t0) / 259200)::int)
              WHEN r2 < ${STUCK_SHARE} THEN
                CASE WHEN template = 'theme-day' AND r3 < 0.8 THEN 3 ELSE floor(r1 * stages)::int END
              ELSE stages
            END AS p,
            (k % ${ADMITTED_PER_BRANCH}) + 1 AS member_no
       FROM timed`,
    [timeZone],
  );
  await client.query(`ALTER TABLE g_inst ADD PRIMARY KEY (id)`);
  // Tasks: every user task up to the open stage; keys numbered as the engine hands them out
  // (the task's element instance a key below it; a reflection's inside its multi-instance body).
  await step(
    '(tasks planned)',
    `CREATE TEMP TABLE g_task AS
     SELECT gen_random_uuid() AS id, i.id AS instance_id, i.template, i.version, i.mo, i.p,
            i.stages, i.branch, i.general, s.stage, s.element_id, s.name, s.standard, s.groups,
            s.form, s.copies, c.j,
            (7 + s.stage * 10 + c.j)::text AS engine_key,
            (5 + s.stage * 10 + CASE WHEN s.copies > 1 THEN c.j + 1 ELSE 0 END)::text AS element_key,
            CASE WHEN NOT s.by_member THEN NULL
                 WHEN s.copies > 1 THEN i.member_ids[c.j]::text
                 ELSE i.member_ids[i.member_no]::text END AS assignee,
            CASE WHEN s.due = 'plan' THEN i.plan_due ELSE i.month_due END AS due_at,
            i.t0 + make_interval(days => 3 * s.stage, hours => (random() * 12)::int) AS created_at,
            s.stage < i.p AS done,
            i.template = 'theme-day' AND i.p = i.stages AS verified,
            i.template = 'political-birthday' AND i.p = i.stages AND i.r4 < 0.9 AS closed_by_hand,
            random() AS late, random() AS r
       FROM g_inst i
       JOIN g_step s ON s.template = i.template AND s.stage <= least(i.p, i.stages - 1)
       CROSS JOIN LATERAL generate_series(1, s.copies) c(j)`,
  );
  await step(
    '(task times)',
    `UPDATE g_task SET
        created_at = least(created_at, now() - interval '1 minute')`,
  );
  await client.query(`ALTER TABLE g_task
      ADD COLUMN ended_at timestamptz, ADD COLUMN item_id uuid, ADD COLUMN item_state ledger_state,
      ADD COLUMN closed_at timestamptz, ADD COLUMN escalations int NOT NULL DEFAULT 0`);
  await step(
    '(task ends)',
    `UPDATE g_task SET
        ended_at = CASE WHEN NOT done THEN NULL
                        WHEN late < 0.1 AND mo > 0 AND stage = stages - 1
                          THEN greatest(due_at, created_at) + interval '1 day'
                        ELSE created_at + interval '2 days' END,
        item_id = uuid_generate_v5('${ITEM_NAMESPACE}'::uuid, instance_id::text || '/' || engine_key)`,
  );
  // Where each item stands: a finished theme day's approval closed them all at once; a
  // birthday's were closed by hand a few days after its last step.
  await step(
    '(item states)',
    `UPDATE g_task t SET
        item_state = CASE WHEN t.verified OR t.closed_by_hand THEN 'closed'
                          WHEN t.done THEN 'submitted'
                          WHEN t.r < 0.25 THEN 'in_progress' ELSE 'open' END::ledger_state,
        closed_at = CASE WHEN t.verified THEN e.last_end
                         WHEN t.closed_by_hand THEN least(e.last_end + interval '3 days', now()) END
       FROM (SELECT instance_id, max(ended_at) AS last_end FROM g_task GROUP BY instance_id) e
      WHERE e.instance_id = t.instance_id`,
  );
  // Overdue (open or in progress, past the due time and the 3-day grace): escalated once a day
  // from then, here at most 5 times (the last one within the day).
  await step(
    '(escalations)',
    `UPDATE g_task SET escalations = least(5, floor(extract(epoch FROM now() -
                                       greatest(due_at, created_at + interval '3 days')) / 86400)::int + 1)
      WHERE item_state IN ('open', 'in_progress')
        AND greatest(due_at, created_at + interval '3 days') < now()`,
  );
  await client.query(`ALTER TABLE g_task ADD PRIMARY KEY (id)`);
  await client.query(`CREATE INDEX ON g_task (instance_id)`);
  await client.query(`ANALYZE g_inst; ANALYZE g_task`);

  // The engine's state: as a start leaves it, then as each step leaves it (see docs/engine.md):
  // the root process (key 1) and the month's sub-process (key 3) live while it runs, an element
  // per open task (a multi-instance body for the reflections), the open tasks, the month-over
  // boundary timer (key 4) until it fires, the root's variables and the sub-process's due dates.
  await step(
    '(open elements)',
    `CREATE TEMP TABLE g_open AS
     SELECT t.instance_id,
            jsonb_object_agg(t.engine_key, jsonb_build_object(
              'key', t.engine_key, 'kind', 'user', 'name', t.name,
              'dueAt', (extract(epoch FROM t.due_at) * 1000)::bigint, 'formId', t.form,
              'formKey', NULL, 'headers', '{}'::jsonb, 'jobType', NULL, 'retries', NULL,
              'assignee', t.assignee, 'priority', NULL,
              'createdAt', (extract(epoch FROM t.created_at) * 1000)::bigint,
              'elementId', t.element_id, 'followUpAt', NULL,
              'processRef', t.template || ':' || t.version, 'candidateUsers', '[]'::jsonb,
              'candidateGroups', to_jsonb(t.groups), 'elementInstanceKey', t.element_key)
              || CASE WHEN t.copies > 1 THEN jsonb_build_object('loopItem', t.assignee) ELSE '{}' END
            ) AS tasks,
            jsonb_object_agg(t.element_key, jsonb_build_object(
              'key', t.element_key, 'kind', 'flowNode', 'state', 'active', 'elementId', t.element_id,
              'parentKey', CASE WHEN t.copies > 1 THEN (5 + t.stage * 10)::text ELSE '3' END,
              'processRef', t.template || ':' || t.version,
              'activatedAt', (extract(epoch FROM t.created_at) * 1000)::bigint)
              || CASE WHEN t.copies > 1 THEN jsonb_build_object('loopCounter', t.j) ELSE '{}' END
            ) AS elements,
            max(t.stage) AS stage, max(t.copies) AS copies, min(t.created_at) AS opened_at,
            max(t.element_id) AS element_id
       FROM g_task t WHERE NOT t.done GROUP BY t.instance_id`,
  );
  await client.query(`ALTER TABLE g_open ADD PRIMARY KEY (instance_id)`);
  await step(
    'process_instances',
    `INSERT INTO process_instances (id, definition_id, template_key, version, business_key,
                                    org_unit_id, state, engine_state, variables, revision,
                                    started_by, created_at, updated_at, ended_at)
     SELECT i.id, i.def_id, i.template, i.version, x.business_key, i.branch,
            (CASE WHEN o.instance_id IS NULL THEN 'completed' ELSE 'active' END)::instance_state,
            jsonb_build_object(
              'schemaVersion', 1, 'processRef', i.template || ':' || i.version,
              'processId', i.template,
              'status', CASE WHEN o.instance_id IS NULL THEN 'completed' ELSE 'active' END,
              'seq', 7 + least(i.p, i.stages) * 10 + ${ADMITTED_PER_BRANCH},
              'rootKey', '1',
              'startedAt', (extract(epoch FROM i.t0) * 1000)::bigint,
              'endedAt', CASE WHEN o.instance_id IS NULL
                              THEN (extract(epoch FROM x.last_end) * 1000)::bigint END,
              'elements', CASE WHEN o.instance_id IS NULL THEN '{}'::jsonb ELSE
                jsonb_build_object(
                  '1', jsonb_build_object('key', '1', 'kind', 'process', 'state', 'active',
                         'elementId', i.template, 'parentKey', NULL,
                         'processRef', i.template || ':' || i.version,
                         'activatedAt', (extract(epoch FROM i.t0) * 1000)::bigint),
                  '3', jsonb_build_object('key', '3', 'kind', 'flowNode', 'state', 'active',
                         'elementId', CASE WHEN i.template = 'theme-day' THEN 'SubProcess_Month'
                                           ELSE 'SubProcess_Ceremony' END,
                         'parentKey', '1', 'processRef', i.template || ':' || i.version,
                         'activatedAt', (extract(epoch FROM i.t0) * 1000)::bigint))
                || CASE WHEN o.copies > 1 THEN jsonb_build_object(
                     (5 + o.stage * 10)::text, jsonb_build_object(
                       'key', (5 + o.stage * 10)::text, 'kind', 'multiInstanceBody',
                       'state', 'active', 'elementId', o.element_id, 'parentKey', '3',
                       'processRef', i.template || ':' || i.version,
                       'activatedAt', (extract(epoch FROM o.opened_at) * 1000)::bigint,
                       'multiInstance', jsonb_build_object('items', to_jsonb(i.member_ids),
                         'activated', cardinality(i.member_ids), 'completed', 0)))
                   ELSE '{}'::jsonb END
                || o.elements END,
              'variables', CASE WHEN o.instance_id IS NULL THEN jsonb_build_object('1', x.vars)
                                ELSE jsonb_build_object('1', x.vars, '3', x.scope_vars) END,
              'tasks', coalesce(o.tasks, '{}'::jsonb),
              'timers', CASE WHEN o.instance_id IS NOT NULL AND i.template = 'theme-day' AND i.mo = 0
                THEN jsonb_build_object('4', jsonb_build_object('key', '4', 'cycle', NULL,
                       'dueAt', (extract(epoch FROM (i.month_due + interval '1 second')) * 1000)::bigint,
                       'purpose', 'boundary', 'elementId', 'BoundaryEvent_MonthOver',
                       'processRef', i.template || ':' || i.version, 'elementInstanceKey', '3'))
                ELSE '{}'::jsonb END,
              'incidents', '{}'::jsonb, 'joins', '{}'::jsonb),
            x.vars, x.revision, 'system:scheduler', i.t0, coalesce(x.last_end, i.t0),
            CASE WHEN o.instance_id IS NULL THEN x.last_end END
       FROM g_inst i
       LEFT JOIN g_open o ON o.instance_id = i.id
       CROSS JOIN LATERAL (
         SELECT CASE WHEN i.template = 'theme-day' THEN 'theme-day:' || i.branch || ':' || i.month
                     ELSE 'political-birthday:' || i.member_ids[i.member_no]::text || ':' ||
                          extract(year FROM i.local_start)::int END AS business_key,
                (SELECT max(t.ended_at) FROM g_task t WHERE t.instance_id = i.id) AS last_end,
                (SELECT 1 + count(*) FILTER (WHERE t.done) FROM g_task t WHERE t.instance_id = i.id)::int AS revision,
                CASE WHEN i.template = 'theme-day' THEN
                  jsonb_build_object('month', i.month, 'branchId', i.branch,
                    'memberIds', to_jsonb(i.member_ids), 'memberCount', cardinality(i.member_ids))
                  || CASE WHEN i.p >= 1 THEN jsonb_build_object('theme', '学习贯彻党的二十大精神')
                          ELSE '{}'::jsonb END
                  || CASE WHEN i.p >= 2 THEN jsonb_build_object('planApproved', true)
                          ELSE '{}'::jsonb END
                  || CASE WHEN i.p >= 3 THEN jsonb_build_object('attendance', to_jsonb(i.member_ids))
                          ELSE '{}'::jsonb END
                  || CASE WHEN i.p >= 6 THEN jsonb_build_object('approved', true)
                          ELSE '{}'::jsonb END
                ELSE
                  jsonb_build_object('year', extract(year FROM i.local_start)::int,
                    'branchId', i.branch, 'memberId', i.member_ids[i.member_no],
                    'memberName', i.member_names[i.member_no],
                    'admissionDate', i.admissions[i.member_no]::text)
                END AS vars,
                CASE WHEN i.template = 'theme-day' THEN
                  jsonb_build_object(
                    'planDueAt', to_char(i.plan_due_local, 'YYYY-MM-DD"T"HH24:MI:SS'),
                    'monthDueAt', to_char(i.month_due_local, 'YYYY-MM-DD"T"HH24:MI:SS'))
                ELSE jsonb_build_object(
                    'ceremonyDueAt', to_char(i.month_due_local, 'YYYY-MM-DD"T"HH24:MI:SS'))
                END AS scope_vars) x`,
  );
  await step(
    'timers',
    `INSERT INTO timers (instance_id, engine_key, element_id, purpose, due_at, state, created_at)
     SELECT i.id, '4', 'BoundaryEvent_MonthOver', 'boundary', i.month_due + interval '1 second',
            'scheduled', i.t0
       FROM g_inst i JOIN g_open o ON o.instance_id = i.id
      WHERE i.template = 'theme-day' AND i.mo = 0`,
  );
  await step(
    'tasks',
    `INSERT INTO tasks (id, instance_id, engine_key, kind, element_id, name, assignee,
                        candidate_groups, candidate_users, due_at, form_key, state, completed_by,
                        variables, escalations, escalated_at, created_at, ended_at)
     SELECT t.id, t.instance_id, t.engine_key, 'user', t.element_id, t.name, t.assignee, t.groups,
            '{}', t.due_at, t.form,
            (CASE WHEN t.done THEN 'completed' ELSE 'open' END)::task_state,
            CASE WHEN NOT t.done THEN NULL WHEN 'supervisor' = ANY(t.groups) THEN $1 ELSE $2 END,
            CASE WHEN t.done THEN '{}'::jsonb END, 0, NULL, t.created_at, t.ended_at
       FROM g_task t`,
    [users.committeeSupervisor, users.secretary],
  );
  await step(
    'ledger_items',
    `INSERT INTO ledger_items (id, list, source, task_id, instance_id, title, standard, org_unit_id,
                               responsible, assessing_unit_id, due_at, state, escalations,
                               escalated_at, escalated_to, submitted_at, closed_at, closed_by,
                               reopened, created_by, created_at, updated_at, settled_at)
     SELECT t.item_id, 'task', 'task', t.id, t.instance_id, t.name, t.standard, t.branch,
            coalesce(t.assignee, array_to_string(t.groups, ', ')), t.general, t.due_at, t.item_state,
            t.escalations,
            CASE WHEN t.escalations > 0 THEN now() - interval '2 hours' END,
            CASE WHEN t.escalations = 1 THEN t.general WHEN t.escalations > 1 THEN 'sc' END,
            t.ended_at, t.closed_at,
            CASE WHEN t.closed_at IS NOT NULL THEN $1 END,
            0, 'system:scheduler', t.created_at,
            coalesce(t.closed_at, t.ended_at, CASE WHEN t.escalations > 0 THEN now() - interval '2 hours' END,
                     t.created_at),
            t.closed_at
       FROM g_task t`,
    [users.committeeSupervisor],
  );
  // Entries in the order they happened (their seq): opened, progress, submitted, closed,
  // escalated.
  await step(
    'ledger_entries',
    `INSERT INTO ledger_entries (item_id, kind, actor, note, data, at)
     SELECT item_id, kind::ledger_entry_kind, actor, note, data, at FROM (
       SELECT t.item_id, 'opened' AS kind, 'system:scheduler' AS actor, NULL AS note,
              jsonb_build_object('taskId', t.id) AS data, t.created_at AS at
         FROM g_task t
       UNION ALL
       SELECT t.item_id, 'progress', $2, '已布置，正在推进', '{}'::jsonb, t.created_at + interval '1 day'
         FROM g_task t WHERE t.item_state = 'in_progress'
       UNION ALL
       SELECT t.item_id, 'submitted', CASE WHEN 'supervisor' = ANY(t.groups) THEN $1 ELSE $2 END,
              NULL, jsonb_build_object('taskId', t.id), t.ended_at
         FROM g_task t WHERE t.done
       UNION ALL
       SELECT t.item_id, 'closed', $1, NULL,
              CASE WHEN t.verified
                   THEN jsonb_build_object('by', 'task', 'taskKey', c.engine_key,
                          'onTime', t.ended_at <= t.due_at, 'submittedAt', t.ended_at)
                   ELSE jsonb_build_object('onTime', t.ended_at <= t.due_at) END,
              t.closed_at
         FROM g_task t
         LEFT JOIN g_task c ON t.verified AND c.instance_id = t.instance_id AND c.element_id = 'Task_Check'
        WHERE t.closed_at IS NOT NULL
       UNION ALL
       SELECT t.item_id, 'escalated', 'system:escalation', NULL,
              jsonb_build_object('escalatedTo', CASE WHEN n = 1 THEN t.general ELSE 'sc' END,
                                 'escalations', n),
              now() - make_interval(days => t.escalations - n, hours => 2)
         FROM g_task t CROSS JOIN LATERAL generate_series(1, t.escalations) n
        WHERE t.escalations > 0
     ) e ORDER BY at, item_id`,
    [users.committeeSupervisor, users.secretary],
  );
  return rows;
}

/** What the data set holds, counted from the tables (printed, and in --json). */
export async function census(
  client: pg.ClientBase,
  graceDays: number,
): Promise<Record<string, number>> {
  const [row] = (
    await client.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM org_units WHERE kind = 'branch')::int AS branches,
              (SELECT count(*) FROM members)::int AS members,
              (SELECT count(*) FROM process_instances)::int AS instances,
              (SELECT count(*) FROM process_instances WHERE state = 'active')::int AS active_instances,
              (SELECT count(*) FROM tasks)::int AS tasks,
              (SELECT count(*) FROM tasks WHERE state = 'open')::int AS open_tasks,
              (SELECT count(*) FROM ledger_items)::int AS ledger_items,
              (SELECT count(*) FROM ledger_items
                WHERE state IN ('open', 'in_progress')
                  AND greatest(due_at, created_at + make_interval(days => $1)) < now())::int AS overdue_items,
              (SELECT count(*) FROM ledger_entries)::int AS ledger_entries`,
      [graceDays],
    )
  ).rows;
  return row;
}
