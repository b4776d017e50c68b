import type { DataSource, EntityManager } from 'typeorm';
import type { Period } from './periods.js';

/**
 * The roll-ups' maintained counters (migration LedgerRollupCounters): reads sum the counters of
 * a subtree's units instead of recounting its items; `rebuildCounters` recounts them from the
 * items (a changed time zone or grace, `cli ledger recount`).
 *
 * Per (unit, kind, period) the tables hold period-local counts (opened, closed, closed on time,
 * escalated, closed and open at the end) and flows of the stocks (open / overdue at the end of
 * the period minus at its start); "open at the end of P" sums the flows of the periods up to
 * P. A period not yet over counts overdue as of now: the `d` rows (open items by the UTC day of
 * their due time with the grace) before today, plus today's items due before now, read from
 * ledger_items by due time.
 */
export interface CounterSettings {
  readonly timeZone: string;
  /** The grace as a PostgreSQL interval (`72 hours`). */
  readonly grace: string;
}

/** The counts of one unit's subtree for one period. */
export interface SubtreeCounts {
  readonly opened: number;
  readonly openAtEnd: number;
  readonly overdueAtEnd: number;
  readonly escalated: number;
  readonly closed: number;
  readonly closedOnTime: number;
  /** Items opened in the period, open at its end or closed in it. */
  readonly total: number;
}

/** A counter that drifted from the items' recount, as `rebuildCounters` found and mended it. */
export interface CounterRepair {
  readonly orgUnitId: string;
  readonly kind: string;
  readonly period: string;
  /** Counter name → [was, now]. */
  readonly changes: Record<string, [number, number]>;
}

const COUNTERS = [
  'opened',
  'closed',
  'closed_on_time',
  'escalated',
  'closed_open',
  'open_flow',
  'overdue_flow',
  'open_due',
] as const;

const SUMS = COUNTERS.map((c) => `sum(${c})::int AS ${c}`).join(', ');

/** Advisory lock key of the folding of deltas (one folder at a time; others skip it). */
const COMPACT_LOCK = 0x6c656467;

/**
 * Makes the counters usable with these settings: rebuilt when they were computed with another
 * time zone or grace, the items changed since the last refresh refreshed (their facts and the
 * deltas, LedgerRollupDeferredRefresh), and the deltas folded into the counts and the stocks
 * as of `now` (LedgerRollupStocks). A read after this sees every change committed before it.
 * The worker's `ledger-rollup` job runs it every few seconds, so reads find little to do.
 */
export async function prepareCounters(
  dataSource: DataSource,
  settings: CounterSettings,
  now: number,
): Promise<void> {
  // One read decides: most reads find nothing to refresh or fold and every bound in place, and
  // then skip the fold's transaction (five round trips and a DELETE over the deltas' heap)
  const [row] = await dataSource.query<{ same: boolean; dirty: boolean; work: boolean }[]>(
    `SELECT time_zone = $1 AND grace = $2::interval AS same,
            EXISTS (SELECT 1 FROM ledger_rollup_dirty) AS dirty,
            EXISTS (SELECT 1 FROM ledger_rollup_deltas)
              OR EXISTS (SELECT 1 FROM (${MOVED_BOUNDS('$3')}) moved) AS work
       FROM ledger_rollup_settings`,
    [settings.timeZone, settings.grace, new Date(now)],
  );
  if (row?.same !== true) await rebuildCounters(dataSource, settings);
  else if (row.dirty) await refreshDirty(dataSource);
  if (row?.same !== true || row.dirty || row.work) await compactCounters(dataSource, now);
}

/** Items refreshed per transaction by `refreshDirty`. */
const REFRESH_BATCH = 2_000;

/** The advisory lock key of the refreshers (as in LedgerRollupDeferredRefresh). */
const REFRESH_LOCK = 0x6c656472;

/**
 * Refreshes the facts of the items noted as changed (`ledger_rollup_dirty`), a batch per
 * transaction, until a batch finds fewer than it could take: every change committed before the
 * last batch began is in the deltas. Refreshers wait for each other.
 */
export async function refreshDirty(dataSource: DataSource): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await dataSource.query<{ taken: number }[]>(
      `SELECT ledger_rollup_refresh_dirty($1) AS taken`,
      [REFRESH_BATCH],
    );
    const taken = Number(row?.taken ?? 0);
    total += taken;
    if (taken < REFRESH_BATCH) return total;
  }
}

/**
 * The stock bounds that `now` ($3) moves: each kind's period as of now (this month and this
 * quarter in the counters' time zone, today in UTC) where the stored bound differs.
 */
const MOVED_BOUNDS = (at: string) => `
  SELECT w.kind::text AS kind, w.before
    FROM ledger_rollup_settings s,
         LATERAL (VALUES ('m'::"char", to_char(${at}::timestamptz AT TIME ZONE s.time_zone, 'YYYY-MM')),
                         ('q'::"char", to_char(${at}::timestamptz AT TIME ZONE s.time_zone, 'YYYY-"Q"Q')),
                         ('d'::"char", to_char(${at}::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD')))
           AS w (kind, before)
    LEFT JOIN ledger_rollup_stock_bounds b ON b.kind = w.kind
   WHERE b.before IS DISTINCT FROM w.before`;

/** The flows a stock keeps (the period-local counts are never read before the bound). */
const STOCKED = ['open_flow', 'overdue_flow', 'open_due'] as const;

/**
 * Folds the deltas into the counts, and those of periods before their kind's bound into the
 * stocks, unless another folder is at it (its rows are summed by readers meanwhile). Rows a
 * writer inserts while this runs stay for the next fold. Then moves each kind's bound to `now`
 * (this month, this quarter, today in UTC) where it is elsewhere, recounting that kind's stocks
 * from the counts: once a month, a quarter, a day — or whenever a clock is set back.
 */
export async function compactCounters(dataSource: DataSource, now: number): Promise<void> {
  await dataSource.transaction(async (manager) => {
    const [lock] = await manager.query<{ got: boolean }[]>(
      `SELECT pg_try_advisory_xact_lock($1) AS got`,
      [COMPACT_LOCK],
    );
    if (lock?.got !== true) return;
    await manager.query(
      `WITH moved AS (DELETE FROM ledger_rollup_deltas RETURNING *),
       counted AS (
         INSERT INTO ledger_rollup_counts AS c (org_unit_id, kind, period, ${COUNTERS.join(', ')})
         SELECT org_unit_id, kind, period, ${SUMS} FROM moved
          GROUP BY org_unit_id, kind, period ORDER BY org_unit_id, kind, period
         ON CONFLICT (org_unit_id, kind, period) DO UPDATE
            SET ${COUNTERS.map((c) => `${c} = c.${c} + EXCLUDED.${c}`).join(', ')})
       INSERT INTO ledger_rollup_stocks AS s (org_unit_id, kind, ${STOCKED.join(', ')})
       SELECT m.org_unit_id, m.kind, ${STOCKED.map((c) => `sum(m.${c})::int`).join(', ')}
         FROM moved m JOIN ledger_rollup_stock_bounds b ON b.kind = m.kind AND m.period < b.before
        GROUP BY m.org_unit_id, m.kind ORDER BY m.org_unit_id, m.kind
       ON CONFLICT (org_unit_id, kind) DO UPDATE
          SET ${STOCKED.map((c) => `${c} = s.${c} + EXCLUDED.${c}`).join(', ')}`,
    );
    const moves = await manager.query<{ kind: string; before: string }[]>(MOVED_BOUNDS('$1'), [
      new Date(now),
    ]);
    for (const { kind, before } of moves) {
      await manager.query(`DELETE FROM ledger_rollup_stocks WHERE kind = $1`, [kind]);
      await manager.query(
        `INSERT INTO ledger_rollup_stocks (org_unit_id, kind, ${STOCKED.join(', ')})
         SELECT org_unit_id, kind, ${STOCKED.map((c) => `sum(${c})::int`).join(', ')}
           FROM ledger_rollup_counts WHERE kind = $1 AND period < $2 GROUP BY org_unit_id, kind`,
        [kind, before],
      );
      await manager.query(
        `INSERT INTO ledger_rollup_stock_bounds (kind, before) VALUES ($1, $2)
         ON CONFLICT (kind) DO UPDATE SET before = EXCLUDED.before`,
        [kind, before],
      );
    }
  });
}

/**
 * Every item's facts at once (the rows `ledger_rollup_facts_of` gives for all items, same
 * columns and order of columns), set-based for a rebuild: the per-item function looks up each
 * item's entries per period (~2 ms an item: over half an hour for a million), this reads the
 * items and their entries once and joins them by hash. An item's status at a moment is that of
 * its last closed / reopened entry before it: the entry whose next one (by time, then seq) is
 * not before the moment.
 */
export const ALL_ITEM_FACTS = `
  WITH settings AS (SELECT time_zone AS zone, grace FROM ledger_rollup_settings),
  kinds AS (
    SELECT * FROM (VALUES ('m'::"char", 'month', 'YYYY-MM', interval '1 month'),
                          ('q'::"char", 'quarter', 'YYYY-"Q"Q', interval '3 months'))
      AS k (kind, unit, fmt, len)),
  items AS MATERIALIZED (
    SELECT l.id, l.org_unit_id, l.created_at,
           CASE WHEN l.due_at IS NOT NULL THEN GREATEST(l.due_at, l.created_at + s.grace) END AS eff_due
      FROM ledger_items l, settings s
     WHERE l.state <> 'cancelled' AND l.org_unit_id IS NOT NULL),
  entries AS MATERIALIZED (
    SELECT e.item_id, e.kind::text AS kind, e.at, e.seq,
           COALESCE((e.data->>'onTime')::boolean, false) AS on_time
      FROM ledger_entries e WHERE e.kind IN ('closed', 'reopened', 'escalated')),
  turns AS MATERIALIZED (
    SELECT t.item_id, t.kind, t.at,
           lead(t.at) OVER (PARTITION BY t.item_id ORDER BY t.at, t.seq) AS next_at
      FROM entries t WHERE t.kind IN ('closed', 'reopened')),
  moments AS (
    SELECT i.id, i.created_at AS at FROM items i
    UNION SELECT e.item_id, e.at FROM entries e
    UNION SELECT i.id, i.eff_due FROM items i WHERE i.eff_due IS NOT NULL),
  bounds AS MATERIALIZED (
    SELECT p.id, p.kind, to_char(p.local_start, p.fmt) AS period,
           p.local_start AT TIME ZONE s.zone AS start_at,
           (p.local_start + p.len) AT TIME ZONE s.zone AS end_at
      FROM (SELECT DISTINCT m.id, k.kind, k.fmt, k.len,
                   date_trunc(k.unit, m.at AT TIME ZONE s.zone) AS local_start
              FROM moments m, settings s, kinds k) p, settings s),
  -- The last 销号 of each item in each period, and the periods an item was escalated in
  closings AS (
    SELECT DISTINCT ON (c.item_id, c.kind, c.period) c.item_id, c.kind, c.period, c.on_time
      FROM (SELECT e.item_id, k.kind, e.at, e.seq, e.on_time,
                   to_char(date_trunc(k.unit, e.at AT TIME ZONE s.zone), k.fmt) AS period
              FROM entries e, kinds k, settings s WHERE e.kind = 'closed') c
     ORDER BY c.item_id, c.kind, c.period, c.at DESC, c.seq DESC),
  escalations AS (
    SELECT DISTINCT e.item_id, k.kind,
           to_char(date_trunc(k.unit, e.at AT TIME ZONE s.zone), k.fmt) AS period
      FROM entries e, kinds k, settings s WHERE e.kind = 'escalated'),
  facts AS (
    SELECT i.id, i.org_unit_id, b.kind, b.period,
           (i.created_at >= b.start_at AND i.created_at < b.end_at) AS opened,
           c.on_time IS NOT NULL AS closed,
           COALESCE(c.on_time, false) AS closed_on_time,
           x.item_id IS NOT NULL AS escalated,
           i.created_at < b.end_at AND last_end.kind IS DISTINCT FROM 'closed' AS open_end,
           i.created_at < b.start_at AND last_start.kind IS DISTINCT FROM 'closed' AS open_start,
           i.eff_due < b.end_at AS due_end,
           i.eff_due < b.start_at AS due_start
      FROM items i JOIN bounds b ON b.id = i.id
      LEFT JOIN turns last_end ON last_end.item_id = i.id AND last_end.at < b.end_at
            AND (last_end.next_at IS NULL OR last_end.next_at >= b.end_at)
      LEFT JOIN turns last_start ON last_start.item_id = i.id AND last_start.at < b.start_at
            AND (last_start.next_at IS NULL OR last_start.next_at >= b.start_at)
      LEFT JOIN closings c ON c.item_id = i.id AND c.kind = b.kind AND c.period = b.period
      LEFT JOIN escalations x ON x.item_id = i.id AND x.kind = b.kind AND x.period = b.period)
  SELECT f.id AS item_id, f.org_unit_id, f.kind, f.period, f.opened::int AS opened,
         f.closed::int AS closed, f.closed_on_time::int AS closed_on_time,
         f.escalated::int AS escalated, (f.closed AND f.open_end)::int AS closed_open,
         f.open_end::int - f.open_start::int AS open_flow,
         (f.open_end AND COALESCE(f.due_end, false))::int
           - (f.open_start AND COALESCE(f.due_start, false))::int AS overdue_flow,
         0 AS open_due
    FROM facts f
  UNION ALL
  -- Open now (no 销号 after its last reopening) with a due time: its due day
  SELECT i.id, i.org_unit_id, 'd'::"char", to_char(i.eff_due AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
         0, 0, 0, 0, 0, 0, 0, 1
    FROM items i LEFT JOIN turns last ON last.item_id = i.id AND last.next_at IS NULL
   WHERE i.eff_due IS NOT NULL AND last.kind IS DISTINCT FROM 'closed'`;

/**
 * Recounts every item's facts and the counts from them (in one transaction that holds off the
 * writers' triggers meanwhile), with these settings; answers the counters that were wrong.
 */
export async function rebuildCounters(
  dataSource: DataSource,
  settings: CounterSettings,
): Promise<CounterRepair[]> {
  return dataSource.transaction(async (manager) => {
    // The refreshers' lock first (a refresher waits for the rebuild, never the reverse), then
    // the writers held off
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [REFRESH_LOCK]);
    await manager.query(
      `LOCK TABLE ledger_rollup_item_facts, ledger_rollup_deltas, ledger_rollup_counts,
         ledger_rollup_stocks, ledger_rollup_stock_bounds, ledger_rollup_dirty IN EXCLUSIVE MODE`,
    );
    // The items changed and not yet refreshed (a bulk load's million, say): the counters as a
    // refresh would leave them are the counts without their stored facts and with their
    // recounted ones; what differs from the recount after that is drift
    // (the noted ids read once, for the stored facts here and the recounted ones below)
    await manager.query(
      `CREATE TEMPORARY TABLE rollup_noted_items ON COMMIT DROP AS
       SELECT DISTINCT d.item_id FROM ledger_rollup_dirty d`,
    );
    await manager.query(
      `CREATE TEMPORARY TABLE rollup_noted_facts ON COMMIT DROP AS
       SELECT f.* FROM ledger_rollup_item_facts f
        WHERE f.item_id IN (SELECT n.item_id FROM rollup_noted_items n)`,
    );
    const [same] = await manager.query<{ same: boolean }[]>(
      `SELECT time_zone = $1 AND grace = $2::interval AS same FROM ledger_rollup_settings`,
      [settings.timeZone, settings.grace],
    );
    await manager.query(`UPDATE ledger_rollup_settings SET time_zone = $1, grace = $2::interval`, [
      settings.timeZone,
      settings.grace,
    ]);
    await manager.query(`TRUNCATE ledger_rollup_item_facts`);
    // The hash joins of a million items' facts want memory rather than temporary files
    await manager.query(`SET LOCAL work_mem = '256MB'`);
    await manager.query(`INSERT INTO ledger_rollup_item_facts ${ALL_ITEM_FACTS}`);
    const diff = await manager.query<Record<string, string | number | null>[]>(
      `WITH was AS (
         SELECT org_unit_id, kind::text AS kind, period, ${SUMS}
           FROM (SELECT * FROM ledger_rollup_counts UNION ALL
                 SELECT org_unit_id, kind, period, ${COUNTERS.join(', ')} FROM ledger_rollup_deltas
                 UNION ALL
                 SELECT org_unit_id, kind, period, ${COUNTERS.map((c) => `-${c}`).join(', ')}
                   FROM rollup_noted_facts
                 UNION ALL
                 SELECT org_unit_id, kind, period, ${COUNTERS.join(', ')} FROM ledger_rollup_item_facts
                  WHERE item_id IN (SELECT n.item_id FROM rollup_noted_items n)) x
          GROUP BY org_unit_id, kind, period),
       now AS (
         SELECT org_unit_id, kind::text AS kind, period, ${SUMS}
           FROM ledger_rollup_item_facts GROUP BY org_unit_id, kind, period)
       SELECT COALESCE(w.org_unit_id, n.org_unit_id) AS org_unit_id, COALESCE(w.kind, n.kind) AS kind,
              COALESCE(w.period, n.period) AS period,
              ${COUNTERS.map((c) => `COALESCE(w.${c}, 0) AS was_${c}, COALESCE(n.${c}, 0) AS now_${c}`).join(', ')}
         FROM was w FULL JOIN now n USING (org_unit_id, kind, period)
        WHERE ${COUNTERS.map((c) => `COALESCE(w.${c}, 0) <> COALESCE(n.${c}, 0)`).join(' OR ')}
        ORDER BY 1, 2, 3`,
    );
    await manager.query(`DELETE FROM ledger_rollup_dirty`);
    await manager.query(`DELETE FROM ledger_rollup_deltas`);
    await manager.query(`DELETE FROM ledger_rollup_counts`);
    // No stocks until the next compaction counts them at its bounds: reads sum the counts
    await manager.query(`DELETE FROM ledger_rollup_stocks`);
    await manager.query(`DELETE FROM ledger_rollup_stock_bounds`);
    await manager.query(
      `INSERT INTO ledger_rollup_counts (org_unit_id, kind, period, ${COUNTERS.join(', ')})
       SELECT org_unit_id, kind, period, ${SUMS} FROM ledger_rollup_item_facts
        GROUP BY org_unit_id, kind, period`,
    );
    // A rebuild for new settings changes counters by design: that is no drift
    if (same?.same !== true) return [];
    return diff.map((row) => {
      const changes: Record<string, [number, number]> = {};
      for (const c of COUNTERS) {
        const was = Number(row[`was_${c}`]);
        const now = Number(row[`now_${c}`]);
        if (was !== now) changes[c] = [was, now];
      }
      return {
        orgUnitId: String(row.org_unit_id),
        kind: String(row.kind),
        period: String(row.period),
        changes,
      };
    });
  });
}

/** `m` for a month's label (`2026-03`), `q` for a quarter's (`2026-Q1`). */
function kindOf(period: Period): 'm' | 'q' {
  return period.label.includes('Q') ? 'q' : 'm';
}

const DAY_MS = 86_400_000;

/** One unit's own counts in one period, as `subtreeCounts` reads them. */
interface OwnCounts {
  org_unit_id: string;
  label: string;
  opened: number;
  closed: number;
  closed_on_time: number;
  escalated: number;
  closed_open: number;
  open_end: number;
  overdue: number;
}

const OWN_COLUMNS = [
  'opened',
  'closed',
  'closed_on_time',
  'escalated',
  'closed_open',
  'open_end',
  'overdue',
] as const;

/**
 * The units under `widest` (LIKE prefixes), by a path range over org_units: what
 * `subtreeCounts` reads the counters of.
 */
export function unitsUnder(
  manager: EntityManager,
  widest: readonly string[],
): Promise<{ id: string; path: string }[]> {
  return manager.query(`SELECT id, path FROM org_units WHERE path LIKE ANY($1::text[])`, [widest]);
}

/**
 * The counts of each unit at `targets` (paths) over its whole subtree, for each of `periods`
 * (all of one kind), reading the counters of `units` (every unit of every target's subtree, as
 * `unitsUnder` finds them). Their ids are a semi-join (`IN (SELECT id FROM units)`) on the
 * counters and the items, not `= ANY($1)`: planning `= ANY` over a committee's 2,041 ids took
 * 20 ms of a 50 ms read (an estimate per element, in five places); the semi-join plans in 2–3 ms
 * and still reads a general branch's fifty units by the index. Each unit's own counts are
 * summed here into every target above it (its path's prefixes).
 */
export async function subtreeCounts(
  manager: EntityManager,
  units: readonly { readonly id: string; readonly path: string }[],
  targets: readonly string[],
  periods: readonly Period[],
  now: number,
  grace: string,
): Promise<Map<string, Map<string, SubtreeCounts>>> {
  const result = new Map<string, Map<string, SubtreeCounts>>();
  if (targets.length === 0 || periods.length === 0) return result;
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  if (units.length === 0) return result;
  const rows = await manager.query<OwnCounts[]>(
    `WITH units AS (SELECT unnest($1::text[]) AS id),
     periods AS (
       SELECT * FROM unnest($2::text[], $3::timestamptz[]) AS p (label, end_at)),
     -- The stocks' bounds, where they serve this read: the kind's from its earliest period on
     -- (else every period's counts are summed from the first), the due days' from today on
     bound AS (
       SELECT (SELECT b.before FROM ledger_rollup_stock_bounds b
                WHERE b.kind = $4::"char" AND b.before <= (SELECT min(label) FROM periods)) AS period,
              (SELECT b.before FROM ledger_rollup_stock_bounds b
                WHERE b.kind = 'd' AND b.before <= $8) AS day),
     -- A stock row has the period '' (before every label): summed into open / overdue at the
     -- end of every period, never into a period's own counts
     counters AS (
       SELECT c.org_unit_id, c.kind, c.period, ${COUNTERS.map((x) => `c.${x}`).join(', ')}
         FROM ledger_rollup_counts c, bound b WHERE c.org_unit_id IN (SELECT id FROM units)
          AND ((c.kind = $4::"char" AND c.period <= (SELECT max(label) FROM periods)
                AND c.period >= COALESCE(b.period, ''))
            OR (c.kind = 'd' AND c.period < $8 AND c.period >= COALESCE(b.day, '')))
       UNION ALL
       SELECT s.org_unit_id, s.kind, '', 0, 0, 0, 0, 0, ${STOCKED.map((x) => `s.${x}`).join(', ')}
         FROM ledger_rollup_stocks s, bound b WHERE s.org_unit_id IN (SELECT id FROM units)
          AND ((s.kind = $4::"char" AND b.period IS NOT NULL) OR (s.kind = 'd' AND b.day IS NOT NULL))
       UNION ALL
       SELECT d.org_unit_id, d.kind, d.period, ${COUNTERS.map((x) => `d.${x}`).join(', ')}
         FROM ledger_rollup_deltas d WHERE d.org_unit_id IN (SELECT id FROM units)
          AND ((d.kind = $4::"char" AND d.period <= (SELECT max(label) FROM periods))
            OR (d.kind = 'd' AND d.period < $8))),
     -- Items due today (UTC) before now, open: overdue now though their day is not over. Read
     -- in two parts, each an index range: due today (by due time), or due before today and
     -- opened within the grace, so due (with it) at their opening plus the grace, today and
     -- before now (by creation time: migration LedgerRollupDueToday)
     due_items AS (
       SELECT l.org_unit_id FROM ledger_items l
        WHERE l.settled_at IS NULL AND l.due_at >= $6 AND l.due_at < $5
          AND GREATEST(l.due_at, l.created_at + $7::interval) < $5
          AND l.org_unit_id IN (SELECT id FROM units) AND l.state IN ('open', 'in_progress', 'submitted')
       UNION ALL
       SELECT l.org_unit_id FROM ledger_items l
        WHERE l.settled_at IS NULL AND l.due_at IS NOT NULL AND l.due_at < $6
          AND l.created_at >= $6::timestamptz - $7::interval
          AND l.created_at < $5::timestamptz - $7::interval
          AND l.org_unit_id IN (SELECT id FROM units) AND l.state IN ('open', 'in_progress', 'submitted')),
     due_today AS (SELECT org_unit_id, count(*)::int AS n FROM due_items GROUP BY org_unit_id),
     own AS (
       SELECT x.org_unit_id, p.label,
              COALESCE(sum(x.opened) FILTER (WHERE x.period = p.label AND x.kind <> 'd'), 0) AS opened,
              COALESCE(sum(x.closed) FILTER (WHERE x.period = p.label AND x.kind <> 'd'), 0) AS closed,
              COALESCE(sum(x.closed_on_time) FILTER (WHERE x.period = p.label AND x.kind <> 'd'), 0) AS closed_on_time,
              COALESCE(sum(x.escalated) FILTER (WHERE x.period = p.label AND x.kind <> 'd'), 0) AS escalated,
              COALESCE(sum(x.closed_open) FILTER (WHERE x.period = p.label AND x.kind <> 'd'), 0) AS closed_open,
              COALESCE(sum(x.open_flow) FILTER (WHERE x.period <= p.label AND x.kind <> 'd'), 0) AS open_end,
              CASE WHEN p.end_at <= $5
                THEN COALESCE(sum(x.overdue_flow) FILTER (WHERE x.period <= p.label AND x.kind <> 'd'), 0)
                ELSE COALESCE(sum(x.open_due) FILTER (WHERE x.kind = 'd'), 0)
                     + COALESCE((SELECT t.n FROM due_today t WHERE t.org_unit_id = x.org_unit_id), 0)
              END AS overdue
         FROM counters x CROSS JOIN periods p
        GROUP BY x.org_unit_id, p.label, p.end_at
       UNION ALL
       -- A unit whose only overdue items are due today has no counter row to carry them
       SELECT t.org_unit_id, p.label, 0, 0, 0, 0, 0, 0, t.n
         FROM due_today t CROSS JOIN periods p
        WHERE p.end_at > $5
          AND NOT EXISTS (SELECT 1 FROM counters x WHERE x.org_unit_id = t.org_unit_id))
     -- Each unit's own counts; summed into the targets above it by the caller (cheaper in
     -- memory than in SQL: joining 2,041 units to their path prefixes took a third of the read)
     SELECT o.org_unit_id, o.label, o.opened::int, o.closed::int, o.closed_on_time::int,
            o.escalated::int, o.closed_open::int, o.open_end::int, o.overdue::int
       FROM own o`,
    [
      units.map((unit) => unit.id),
      periods.map((p) => p.label),
      periods.map((p) => new Date(p.end)),
      kindOf(periods[0]),
      new Date(now),
      new Date(today),
      grace,
      new Date(today).toISOString().slice(0, 10),
    ],
  );
  const pathOf = new Map(units.map((unit) => [unit.id, unit.path]));
  const wanted = new Set(targets);
  const sums = new Map<string, Map<string, OwnCounts>>();
  for (const row of rows) {
    const path = pathOf.get(row.org_unit_id);
    if (path === undefined) continue;
    // the unit's path and each of its prefixes ('/sc/', '/sc/g1/', '/sc/g1/b1/'), where wanted
    for (let end = path.indexOf('/', 1); end !== -1; end = path.indexOf('/', end + 1)) {
      const target = path.slice(0, end + 1);
      if (!wanted.has(target)) continue;
      let byLabel = sums.get(target);
      if (byLabel === undefined) {
        byLabel = new Map();
        sums.set(target, byLabel);
      }
      const sum = byLabel.get(row.label);
      if (sum === undefined) byLabel.set(row.label, { ...row });
      else for (const column of OWN_COLUMNS) sum[column] += row[column];
    }
  }
  for (const [target, byLabel] of sums) {
    const counts = new Map<string, SubtreeCounts>();
    for (const [label, row] of byLabel) {
      counts.set(label, {
        opened: row.opened,
        openAtEnd: row.open_end,
        overdueAtEnd: row.overdue,
        escalated: row.escalated,
        closed: row.closed,
        closedOnTime: row.closed_on_time,
        total: row.open_end + row.closed - row.closed_open,
      });
    }
    result.set(target, counts);
  }
  return result;
}

export const NO_COUNTS: SubtreeCounts = {
  opened: 0,
  openAtEnd: 0,
  overdueAtEnd: 0,
  escalated: 0,
  closed: 0,
  closedOnTime: 0,
  total: 0,
};
