import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roll-up triggers' refresh (LedgerRollupCounters) made cheap for the one or two items a
 * step moves. It runs on every statement that moves a ledger item — a task's completion pays
 * two (its item submitted, the next task's opened) — and bench:runtime fell from 900 to 70
 * completions a second when the triggers came (bisected to LedgerRollupCounters): about 10 ms
 * of PostgreSQL's time per refresh, for tables of a few thousand rows.
 *
 * - The facts' `settings` (one row, never analysed) was estimated at 1,060 rows, and every
 *   join with it multiplied the estimates into the billions; the plan's hash tables and sorts
 *   were sized for them. `LIMIT 1` says what the table holds.
 * - As an SQL-language function the refresh was planned on every call (about 2 ms, against
 *   0.4 ms to run). As PL/pgSQL its plan is kept per connection, with `ledger_rollup_facts_of`
 *   inlined, and generic (made once, for any ids).
 * - A generic plan made while the tables were small (a new database, before autovacuum's first
 *   ANALYZE) scanned ledger_items whole and kept doing so as it grew: with sequential scans off
 *   for this function, items, entries and facts are reached by their indexes whatever the
 *   statistics say (the refresh always works on the few ids a statement wrote).
 *
 * - A batch (more than 32 ids: a bulk start's hundreds of items) is better planned for its
 *   size, call by call, as before: `ledger_rollup_refresh_planned`, the same statement as an
 *   SQL function (the kick-off took 15–20 s with the generic plan for its batches, 14.4 s so).
 *
 * Measured: a refresh 0.34 ms on average in bench:runtime (was ~10 ms), 380–520 completions a
 * second (was 70). Same rows.
 */
/** An item's facts (as LedgerRollupCounters wrote them), the settings read with `settingsLimit`. */
const factsOf = (settingsLimit: string) => `
      CREATE OR REPLACE FUNCTION ledger_rollup_facts_of(ids uuid[])
      RETURNS TABLE (item_id uuid, org_unit_id text, kind "char", period text, opened integer,
        closed integer, closed_on_time integer, escalated integer, closed_open integer,
        open_flow integer, overdue_flow integer, open_due integer)
      LANGUAGE sql STABLE AS $fn$
        WITH settings AS (SELECT time_zone AS zone, grace FROM ledger_rollup_settings${settingsLimit}),
        items AS (
          SELECT l.id, l.org_unit_id, l.created_at, l.due_at,
                 CASE WHEN l.due_at IS NOT NULL
                   THEN GREATEST(l.due_at, l.created_at + s.grace) END AS eff_due
            FROM ledger_items l, settings s
           WHERE l.id = ANY(ids) AND l.state <> 'cancelled' AND l.org_unit_id IS NOT NULL),
        moments AS (
          SELECT i.id, i.created_at AS at FROM items i
          UNION SELECT e.item_id, e.at FROM ledger_entries e
                 WHERE e.item_id = ANY(ids) AND e.kind IN ('closed', 'reopened', 'escalated')
          UNION SELECT i.id, i.eff_due FROM items i WHERE i.eff_due IS NOT NULL),
        periods AS (
          SELECT DISTINCT m.id, k.kind, k.fmt, k.len,
                 date_trunc(k.unit, m.at AT TIME ZONE s.zone) AS local_start
            FROM moments m, settings s,
                 (VALUES ('m'::"char", 'month', 'YYYY-MM', interval '1 month'),
                         ('q'::"char", 'quarter', 'YYYY-"Q"Q', interval '3 months')) AS k (kind, unit, fmt, len)),
        bounds AS (
          SELECT p.id, p.kind, to_char(p.local_start, p.fmt) AS period,
                 p.local_start AT TIME ZONE s.zone AS start_at,
                 (p.local_start + p.len) AT TIME ZONE s.zone AS end_at
            FROM periods p, settings s),
        facts AS (
          SELECT i.id, i.org_unit_id, b.kind, b.period,
                 (i.created_at >= b.start_at AND i.created_at < b.end_at) AS opened,
                 closing.on_time IS NOT NULL AS closed,
                 COALESCE(closing.on_time, false) AS closed_on_time,
                 EXISTS (SELECT 1 FROM ledger_entries e
                          WHERE e.item_id = i.id AND e.kind = 'escalated'
                            AND e.at >= b.start_at AND e.at < b.end_at) AS escalated,
                 i.created_at < b.end_at AND last_end.kind IS DISTINCT FROM 'closed' AS open_end,
                 i.created_at < b.start_at AND last_start.kind IS DISTINCT FROM 'closed' AS open_start,
                 i.eff_due < b.end_at AS due_end,
                 i.eff_due < b.start_at AS due_start
            FROM items i JOIN bounds b ON b.id = i.id
            LEFT JOIN LATERAL (
              SELECT e.kind::text AS kind FROM ledger_entries e
               WHERE e.item_id = i.id AND e.kind IN ('closed', 'reopened') AND e.at < b.end_at
               ORDER BY e.at DESC, e.seq DESC LIMIT 1) last_end ON TRUE
            LEFT JOIN LATERAL (
              SELECT e.kind::text AS kind FROM ledger_entries e
               WHERE e.item_id = i.id AND e.kind IN ('closed', 'reopened') AND e.at < b.start_at
               ORDER BY e.at DESC, e.seq DESC LIMIT 1) last_start ON TRUE
            LEFT JOIN LATERAL (
              SELECT COALESCE((e.data->>'onTime')::boolean, false) AS on_time FROM ledger_entries e
               WHERE e.item_id = i.id AND e.kind = 'closed' AND e.at >= b.start_at AND e.at < b.end_at
               ORDER BY e.at DESC, e.seq DESC LIMIT 1) closing ON TRUE)
        SELECT f.id, f.org_unit_id, f.kind, f.period, f.opened::int, f.closed::int,
               f.closed_on_time::int, f.escalated::int, (f.closed AND f.open_end)::int,
               f.open_end::int - f.open_start::int,
               (f.open_end AND COALESCE(f.due_end, false))::int
                 - (f.open_start AND COALESCE(f.due_start, false))::int,
               0
          FROM facts f
        UNION ALL
        -- Open now (no closing entry after its last reopening) with a due time: its due day
        SELECT i.id, i.org_unit_id, 'd'::"char", to_char(i.eff_due AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
               0, 0, 0, 0, 0, 0, 0, 1
          FROM items i
         WHERE i.eff_due IS NOT NULL
           AND (SELECT e.kind FROM ledger_entries e
                 WHERE e.item_id = i.id AND e.kind IN ('closed', 'reopened')
                 ORDER BY e.at DESC, e.seq DESC LIMIT 1) IS DISTINCT FROM 'closed'
      $fn$`;

/** The refresh's one statement (as LedgerRollupCounters wrote it), on the array `ids`. */
const REFRESH = `
        WITH old AS (
          DELETE FROM ledger_rollup_item_facts f WHERE f.item_id = ANY(ids) RETURNING f.*),
        new AS (SELECT * FROM ledger_rollup_facts_of(ids)),
        kept AS (INSERT INTO ledger_rollup_item_facts SELECT * FROM new),
        diff AS (
          SELECT n.org_unit_id, n.kind, n.period, n.opened, n.closed, n.closed_on_time, n.escalated,
                 n.closed_open, n.open_flow, n.overdue_flow, n.open_due FROM new n
          UNION ALL
          SELECT o.org_unit_id, o.kind, o.period, -o.opened, -o.closed, -o.closed_on_time,
                 -o.escalated, -o.closed_open, -o.open_flow, -o.overdue_flow, -o.open_due FROM old o)
        INSERT INTO ledger_rollup_deltas (org_unit_id, kind, period, opened, closed, closed_on_time,
          escalated, closed_open, open_flow, overdue_flow, open_due)
        SELECT d.org_unit_id, d.kind, d.period, sum(d.opened), sum(d.closed), sum(d.closed_on_time),
               sum(d.escalated), sum(d.closed_open), sum(d.open_flow), sum(d.overdue_flow),
               sum(d.open_due)
          FROM diff d
         GROUP BY d.org_unit_id, d.kind, d.period
        HAVING sum(d.opened) <> 0 OR sum(d.closed) <> 0 OR sum(d.closed_on_time) <> 0
            OR sum(d.escalated) <> 0 OR sum(d.closed_open) <> 0 OR sum(d.open_flow) <> 0
            OR sum(d.overdue_flow) <> 0 OR sum(d.open_due) <> 0
         ORDER BY d.org_unit_id, d.kind, d.period`;

export class LedgerRollupRefreshCached1798900000000 implements MigrationInterface {
  name = 'LedgerRollupRefreshCached1798900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(factsOf(' LIMIT 1'));
    await q.query(`
      CREATE FUNCTION ledger_rollup_refresh_planned(ids uuid[]) RETURNS void LANGUAGE sql
        SET jit = off AS $fn$ ${REFRESH} $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql
        SET jit = off SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $fn$
      BEGIN
        IF cardinality(ids) > 32 THEN
          -- a batch (a bulk start's hundreds of items): planned for its size, call by call
          PERFORM ledger_rollup_refresh_planned(ids);
          RETURN;
        END IF;
${REFRESH};
      END $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ledger_rollup_refresh_planned(uuid[])`);
    await q.query(factsOf(''));
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_refresh(ids uuid[]) RETURNS void LANGUAGE sql
        SET jit = off AS $fn$ ${REFRESH} $fn$`);
  }
}
