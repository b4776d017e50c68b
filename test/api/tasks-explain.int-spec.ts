import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ListStatements,
  type TaskListFilter,
  type TaskListPageRequest,
  type TaskScope,
  TasksRepository,
} from '@app/store';
import { type ApiHarness, startApi } from './api-harness.js';
import { bpmn } from '../support/bpmn.js';
import { genericPlanSeqScans } from '../support/generic-plan.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Every node of a plan. */
function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The task list's statements, each EXPLAINed on enough rows (202 branches, 4,040 instances,
 * 40,400 tasks, analysed) that a filter without its index shows as a sequential scan.
 */
describe('api: task list plans', () => {
  let api: ApiHarness;
  let explained: { text: string; scans: string[] }[];
  let instancePlans = 0;
  let repository: TasksRepository;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApi();
    const deployed = await api.http
      .post('/api/templates')
      .send({ bpmn: bpmn.sequence(`plans-${api.tag}`, ['A']) });
    expect(deployed.status).toBe(201);
    const db = api.dataSource;
    const [general] = await db.query<{ path: string }[]>(
      `SELECT path FROM org_units WHERE id = $1`,
      [api.org.general],
    );
    await db.query(
      `INSERT INTO org_units (id, parent_id, kind, name, path)
       SELECT $1 || '-' || n, $2, 'branch', '支部' || n, $3 || $1 || '-' || n || '/'
         FROM generate_series(1, 200) n`,
      [`p-${api.tag}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'), api.org.general, general.path],
    );
    await db.query(
      `INSERT INTO process_instances (definition_id, template_key, version, org_unit_id, state,
                                      engine_state, started_by, created_at)
       SELECT d.id, d.key, d.version, u.id, 'active', '{}', 'plans', now() - n * interval '1 hour'
         FROM process_definitions d,
              (SELECT id FROM org_units WHERE parent_id = $2) u, generate_series(1, 20) n
        WHERE d.key = $1`,
      [`plans-${api.tag}`, api.org.general],
    );
    await db.query(
      `INSERT INTO tasks (instance_id, engine_key, kind, element_id, assignee, candidate_groups,
                          candidate_users, due_at, state, created_at)
       SELECT i.id, 'k' || s, 'user', 'A', CASE WHEN s % 3 = 0 THEN 'person-' || (s * 7 + length(i.id::text)) END,
              CASE WHEN s % 3 = 1 THEN ARRAY['member'] ELSE ARRAY['secretary'] END,
              CASE WHEN s % 3 = 2 THEN ARRAY['cand-' || s] ELSE '{}' END,
              CASE WHEN s % 4 = 0 THEN NULL ELSE i.created_at + s * interval '1 day' END,
              CASE WHEN s < 2 THEN 'open' WHEN s = 9 THEN 'cancelled' ELSE 'completed' END::task_state,
              i.created_at + s * interval '1 minute'
         FROM process_instances i, generate_series(0, 9) s
        WHERE i.started_by = 'plans'`,
    );
    await db.query(`ANALYZE tasks`);
    await db.query(`ANALYZE process_instances`);
    await db.query(`ANALYZE org_units`);
    for (const [name, id] of Object.entries(api.org)) {
      const [row] = await db.query<{ path: string }[]>(`SELECT path FROM org_units WHERE id = $1`, [
        id,
      ]);
      paths[name] = row.path;
    }
    explained = [];
    // The list's statements, each EXPLAINed before it runs; the one kept prepared (one
    // instance's page) by its generic plan too
    const explain = async (text: string, values: unknown[], prepared: boolean) => {
      const [row] = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
        `EXPLAIN (FORMAT JSON) ${text}`,
        values,
      );
      const scans = nodes(row['QUERY PLAN'][0].Plan)
        .filter((node) => node['Node Type'] === 'Seq Scan')
        .map((node) => node['Relation Name'] ?? '?');
      if (prepared) {
        scans.push(...(await genericPlanSeqScans(db, text, values)));
        instancePlans += 1;
      }
      explained.push({ text, scans });
    };
    const explaining: ListStatements = {
      query: async <T>(text: string, values: unknown[]) => {
        await explain(text, values, false);
        return db.query<T[]>(text, values);
      },
      prepared: async <T>(text: string, values: unknown[]) => {
        await explain(text, values, true);
        return db.query<T[]>(text, values);
      },
    };
    repository = new TasksRepository(db, explaining);
  });

  afterAll(async () => {
    await api.close();
  });

  const scopes = (): Record<string, TaskScope> => ({
    committee: { readPaths: [paths.committee], identities: ['boss'], memberPaths: [] },
    general: { readPaths: [paths.general], identities: ['gen'], memberPaths: [] },
    secretary: {
      readPaths: [paths.branchA],
      identities: ['sec', 'person-3'],
      memberPaths: [paths.branchA],
    },
    member: { readPaths: [], identities: ['person-40'], memberPaths: [paths.branchA] },
  });

  it('reads tasks and instances through indexes for every filter, sort and cursor', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 3 * 24 * 3600_000);
    const filters: TaskListFilter[] = [
      { kind: 'user' },
      { kind: 'user', state: 'open' },
      { kind: 'user', state: 'completed' },
      { kind: 'service', state: 'open' },
      { kind: 'user', templateKey: `plans-${api.tag}` },
      { kind: 'user', instanceId: '00000000-0000-0000-0000-000000000000' },
      { kind: 'user', assignee: 'person-10' },
      { kind: 'user', candidateUser: 'cand-2' },
      { kind: 'user', candidateGroup: 'member', state: 'open' },
      { kind: 'user', dueBefore: later },
      { kind: 'user', unitPath: paths.branchA },
      { kind: 'user', overdue: { value: true, now, openedBefore: now } },
      ...(['red', 'yellow', 'green'] as const).map((light): TaskListFilter => ({
        kind: 'user',
        light: { light, now, yellowEnd: later, graceDays: 3 },
      })),
    ];
    const pages: TaskListPageRequest[] = [
      { sort: 'due', limit: 20, offset: 0 },
      { sort: 'created', limit: 20, offset: 0 },
      { sort: 'due', limit: 20, offset: 40 },
    ];
    let walked = 0;
    for (const scope of Object.values(scopes())) {
      for (const filter of filters) {
        for (const page of pages) {
          const first = await repository.list(scope, filter, page);
          walked++;
          // and the page after it, by cursor (due order: after a task with and without a due time)
          if (first.nextCursor !== null) {
            await repository.list(scope, filter, { ...page, cursor: first.nextCursor, offset: 0 });
          }
        }
      }
    }
    expect(walked).toBeGreaterThan(100);
    const seqScans = explained.filter((statement) =>
      statement.scans.some((relation) => ['tasks', 'process_instances'].includes(relation)),
    );
    expect(seqScans.map((statement) => statement.text)).toEqual([]);
    // the plans were taken on pages that had rows
    expect(explained.length).toBeGreaterThan(300);
    expect(instancePlans).toBeGreaterThan(10);
  });

  it('pages the committee’s open tasks by cursor to the end, each once, in due order', async () => {
    const scope = scopes().committee;
    const seen: string[] = [];
    let cursor: string | undefined;
    let first: Awaited<ReturnType<TasksRepository['list']>> | undefined;
    do {
      const page = await repository.list(
        scope,
        { kind: 'user', state: 'open' },
        { sort: 'due', limit: 100, offset: 0, cursor },
      );
      first ??= page;
      seen.push(...page.rows.map((row) => row.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(first).toEqual(expect.objectContaining({ total: 1000, capped: true }));
    expect(new Set(seen).size).toBe(seen.length);
    const [all] = await api.dataSource.query<{ ids: string[] }[]>(
      `SELECT array_agg(t.id::text ORDER BY t.due_at NULLS LAST, t.created_at, t.id) AS ids
         FROM tasks t JOIN org_units o ON o.id = t.org_unit_id
        WHERE t.kind = 'user' AND t.state = 'open' AND o.path LIKE $1`,
      [`${paths.committee}%`],
    );
    expect(seen).toEqual(all.ids);
    // two open tasks per instance: 20 instances in each of the 200 branches and branches A and B
    expect(seen.length).toBe(8080);
  });
});
