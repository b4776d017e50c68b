import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BoardCursorError, LedgerStore, readOverdueBoard } from '@app/ledger';
import type { DataSource } from 'typeorm';
import { TestClock, isolatedDatabase, testDataSource } from '../support/database.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const NOW = Date.parse('2027-03-15T10:00:00+08:00');
const GRACE = '24 hours';

/**
 * The overdue board (`GET /api/ledger/overdue`) on a ledger large enough that a filter without
 * its index shows as a sequential scan: 5 general branches of 40 branches each, 60 items per
 * branch (12,000 items: open, in progress, submitted, closed, cancelled; past due, due later,
 * without a due time; escalated 0–3 times), and items of tasks assigned to one person. Every
 * statement is EXPLAINed (no sequential scan of ledger_items or tasks), and the pages, walked
 * by cursor and by page number, are exactly the board as a plain query orders it.
 */
describe('ledger: the overdue board reads a page in index order', () => {
  let dataSource: DataSource;
  let drop: (() => Promise<void>) | undefined;
  let explained: { text: string; scans: string[] }[];
  let explaining: DataSource;
  const paths = {
    committee: '/bc/',
    general: '/bc/bg1/',
    branch: '/bc/bg1/bb1-1/',
    other: '/bc/bg2/',
  };

  beforeAll(async () => {
    const db = await isolatedDatabase('overdue_board');
    drop = db.drop;
    dataSource = await testDataSource(4, db.url);
    await dataSource.query(
      `INSERT INTO org_units (id, parent_id, kind, name, path) VALUES ('bc', NULL, 'committee', '党委', '/bc/')`,
    );
    await dataSource.query(
      `INSERT INTO org_units (id, parent_id, kind, name, path)
       SELECT 'bg' || g, 'bc', 'general_branch', '党总支' || g, '/bc/bg' || g || '/'
         FROM generate_series(1, 5) g`,
    );
    await dataSource.query(
      `INSERT INTO org_units (id, parent_id, kind, name, path)
       SELECT 'bb' || g || '-' || b, 'bg' || g, 'branch', '支部' || g || '-' || b,
              '/bc/bg' || g || '/bb' || g || '-' || b || '/'
         FROM generate_series(1, 5) g, generate_series(1, 40) b`,
    );
    // Manual items: every state, due in the past / future / never, 0–3 escalations; some
    // opened within the grace (due, but not red yet)
    await dataSource.query(
      `INSERT INTO ledger_items (list, source, title, org_unit_id, responsible, due_at, state,
                                 escalations, created_by, created_at, updated_at, settled_at)
       SELECT 'task', 'manual', '事项' || u.id || '-' || n, u.id, 'someone',
              CASE WHEN n % 7 = 0 THEN NULL
                   ELSE $1::timestamptz + ((n % 11) - 6) * interval '1 day' + n * interval '1 minute' END,
              s.state::ledger_state, CASE WHEN n % 5 = 0 THEN n % 4 ELSE 0 END,
              'seed',
              CASE WHEN n % 13 = 0 THEN $1::timestamptz - interval '2 hours'
                   ELSE $1::timestamptz - interval '30 days' END,
              $1::timestamptz,
              CASE WHEN s.state IN ('closed', 'cancelled') THEN $1::timestamptz END
         FROM org_units u, generate_series(1, 60) n,
              LATERAL (SELECT (ARRAY['open', 'in_progress', 'submitted', 'closed', 'cancelled', 'open'])[n % 6 + 1] AS state) s
        WHERE u.kind = 'branch'`,
      [new Date(NOW)],
    );
    // Items of tasks assigned to 'person-x', in branches of another general branch
    await dataSource.query(
      `INSERT INTO deployments (name, checksum, xml, deployed_by) VALUES ('d', 'c', '<x/>', 'seed')`,
    );
    await dataSource.query(
      `INSERT INTO process_definitions (key, version, deployment_id, checksum, graph)
       SELECT 'board', 1, id, 'c', '{}' FROM deployments`,
    );
    await dataSource.query(
      `INSERT INTO process_instances (definition_id, template_key, version, org_unit_id, state,
                                      engine_state, started_by)
       SELECT d.id, 'board', 1, 'bb2-' || n, 'active', '{}', 'seed'
         FROM process_definitions d, generate_series(1, 30) n`,
    );
    await dataSource.query(
      `INSERT INTO tasks (instance_id, engine_key, kind, element_id, assignee, state, created_at)
       SELECT i.id, 'k' || n, 'user', 'A',
              CASE WHEN n > 1 THEN 'p-' || n WHEN i.org_unit_id LIKE '%0' THEN 'someone-else' ELSE 'person-x' END,
              'open', $1::timestamptz - interval '30 days'
         FROM process_instances i, generate_series(1, 400) n`,
      [new Date(NOW)],
    );
    await dataSource.query(
      `INSERT INTO ledger_items (list, source, task_id, instance_id, title, org_unit_id, due_at,
                                 state, escalations, created_by, created_at, updated_at)
       SELECT 'task', 'task', t.id, t.instance_id, '步骤' || i.org_unit_id, i.org_unit_id,
              $1::timestamptz - interval '3 days', 'open', 1, 'seed',
              $1::timestamptz - interval '30 days', $1::timestamptz
         FROM tasks t JOIN process_instances i ON i.id = t.instance_id
        WHERE t.engine_key = 'k1'`,
      [new Date(NOW)],
    );
    for (const table of ['ledger_items', 'tasks', 'org_units', 'process_instances']) {
      await dataSource.query(`ANALYZE ${table}`);
    }
    explained = [];
    explaining = {
      query: async (text: string, values: unknown[]): Promise<unknown> => {
        const [row] = await dataSource.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
          `EXPLAIN (FORMAT JSON) ${text}`,
          values,
        );
        const scans = nodes(row['QUERY PLAN'][0].Plan)
          .filter((node) => node['Node Type'] === 'Seq Scan')
          .map((node) => node['Relation Name'] ?? '?');
        explained.push({ text, scans });
        const result: unknown = await dataSource.query(text, values);
        return result;
      },
    } as unknown as DataSource;
  }, 180_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await drop?.();
  });

  /** The board as a plain query orders it: the reference the pages must equal. */
  async function reference(scopePaths: string[], identities: string[], unitPath: string | null) {
    const [row] = await dataSource.query<{ ids: string[] | null }[]>(
      `WITH board AS (
         SELECT l.id, l.escalations, l.due_at,
                COALESCE(l.state IN ('open', 'in_progress') AND l.due_at < $1
                         AND l.created_at + $2::interval < $1, false) AS red
           FROM ledger_items l
           JOIN org_units o ON o.id = l.org_unit_id
           LEFT JOIN tasks t ON t.id = l.task_id
          WHERE (o.path LIKE ANY($3::text[]) OR t.assignee = ANY($4::text[]))
            AND ($5::text IS NULL OR o.path LIKE $5 || '%')
            AND l.state IN ('open', 'in_progress', 'submitted'))
       SELECT array_agg(id::text ORDER BY red DESC, escalations DESC, due_at NULLS LAST, id) AS ids
         FROM board WHERE red OR escalations > 0`,
      [new Date(NOW), GRACE, scopePaths.map((path) => `${path}%`), identities, unitPath],
    );
    return row.ids ?? [];
  }

  const cases: {
    name: string;
    scope: { paths: string[]; identities: string[] };
    unitPath: string | null;
  }[] = [
    {
      name: 'committee',
      scope: { paths: [paths.committee], identities: ['boss'] },
      unitPath: null,
    },
    { name: 'general', scope: { paths: [paths.general], identities: ['gen'] }, unitPath: null },
    { name: 'branch', scope: { paths: [paths.branch], identities: ['sec'] }, unitPath: null },
    {
      name: 'committee, one general branch',
      scope: { paths: [paths.committee], identities: ['boss'] },
      unitPath: paths.general,
    },
    { name: 'assignee only', scope: { paths: [], identities: ['person-x'] }, unitPath: null },
    {
      name: 'a branch and own tasks elsewhere',
      scope: { paths: [paths.branch], identities: ['person-x'] },
      unitPath: null,
    },
    {
      name: 'own tasks within a unit',
      scope: { paths: [], identities: ['person-x'] },
      unitPath: paths.other,
    },
  ];

  it('walks each scope by cursor and by page number: the board’s order, each item once', async () => {
    for (const { name, scope, unitPath } of cases) {
      const expected = await reference(scope.paths, scope.identities, unitPath);
      const byCursor: string[] = [];
      let cursor: string | undefined;
      let first: Awaited<ReturnType<typeof readOverdueBoard>> | undefined;
      do {
        const page = await readOverdueBoard(explaining, scope, {
          limit: 50,
          offset: 0,
          cursor,
          unitPath,
          now: new Date(NOW),
          grace: GRACE,
        });
        first ??= page;
        byCursor.push(...page.ids);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect({ name, ids: byCursor }).toEqual({ name, ids: expected });
      expect({ name, total: first?.total, capped: first?.capped }).toEqual({
        name,
        total: Math.min(expected.length, 1000),
        capped: expected.length > 1000,
      });
      // page 3 by number
      const third = await readOverdueBoard(explaining, scope, {
        limit: 20,
        offset: 40,
        unitPath,
        now: new Date(NOW),
        grace: GRACE,
      });
      expect({ name, ids: third.ids }).toEqual({ name, ids: expected.slice(40, 60) });
    }
    // the scopes are of the sizes meant: the committee's board is counted only up to the cap
    expect((await reference([paths.committee], [], null)).length).toBeGreaterThan(1000);
    expect((await reference([paths.branch], [], null)).length).toBeGreaterThan(10);
    expect((await reference([], ['person-x'], null)).length).toBeGreaterThan(10);
  });

  it('never scans ledger_items or tasks sequentially', () => {
    const seqScans = explained.filter((statement) =>
      statement.scans.some((relation) => ['ledger_items', 'tasks'].includes(relation)),
    );
    expect(seqScans.map((statement) => [statement.scans, statement.text])).toEqual([]);
    expect(explained.length).toBeGreaterThan(100);
  });

  it('refuses a cursor it did not give out', async () => {
    const read = (cursor: string) =>
      readOverdueBoard(
        dataSource,
        { paths: [paths.branch], identities: [] },
        {
          limit: 20,
          offset: 0,
          cursor,
          unitPath: null,
          now: new Date(NOW),
          grace: GRACE,
        },
      );
    for (const cursor of [
      'not-base64-json!',
      Buffer.from('{"a":1}').toString('base64url'),
      Buffer.from(
        JSON.stringify(['o', 1, 0, null, '00000000-0000-0000-0000-000000000000']),
      ).toString('base64url'),
      Buffer.from(
        JSON.stringify(['o', 0, -1, null, '00000000-0000-0000-0000-000000000000']),
      ).toString('base64url'),
      Buffer.from(JSON.stringify(['o', 0, 0, '2027-01-01', 'x'])).toString('base64url'),
    ]) {
      await expect(read(cursor)).rejects.toThrow(BoardCursorError);
    }
  });

  it('LedgerStore.overdue returns the items of the page with their names, in order', async () => {
    const store = new LedgerStore(dataSource, new TestClock(NOW), { yellowDays: 3, graceDays: 1 });
    const page = await store.overdue({ paths: [paths.general], identities: [] }, null, {
      limit: 20,
      offset: 0,
    });
    const expected = await reference([paths.general], [], null);
    expect(page.items.map((item) => item.id)).toEqual(expected.slice(0, 20));
    expect(page.items[0]?.unitName).toMatch(/^支部1-/);
    expect(page.total).toBe(expected.length);
    expect(page.capped).toBe(false);
    expect(page.nextCursor).not.toBeNull();
  });
});
