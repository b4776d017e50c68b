import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The supervisor's roll-ups as maintained counters (issue 16), instead of recounting every item
 * of a subtree per request.
 *
 * - `ledger_rollup_item_facts`: what one item contributes, per org unit and period (`m` months
 *   `2026-03`, `q` quarters `2026-Q1`) — opened, closed, closed on time, escalated, closed and
 *   open at the end — and how it moves the stocks at the period's end (`open_flow`,
 *   `overdue_flow`: open / overdue at the end minus at the start, so "open at the end of P" is
 *   the sum of the flows of the periods up to P), plus, while it is open with a due time, one
 *   `d` row for the UTC day its due time (with the grace) falls on (`open_due`): overdue "now"
 *   is the days before today plus the few items due earlier today.
 * - `ledger_rollup_deltas`: append-only changes of the sums, written in the transaction of the
 *   change by statement triggers on ledger_items and ledger_entries (every writer — the api's
 *   transitions, a step's WITH batch, the escalation sweep — is covered, and concurrent steps
 *   of one unit never wait on a shared counter row). An item's old facts are replaced by its
 *   new ones and the difference, if any, is one delta row per (unit, period).
 * - `ledger_rollup_counts`: the deltas folded per (unit, kind, period) by LedgerStore's
 *   compaction (the only writer of this table); a read sums counts and the remaining deltas.
 * - `ledger_rollup_settings`: the time zone of the periods and the grace the facts were computed
 *   with; LedgerStore rebuilds everything when its configuration differs.
 *
 * Facts depend on the item's row and its closed / reopened / escalated entries only, never on
 * "now": a period's counts are the item's state at its end, and for a period not yet over the
 * state at its end is the state now (no entry lies in the future). Only overdue "now" moves
 * with the clock; it is read from the `d` rows.
 */
export class LedgerRollupCounters1798000000000 implements MigrationInterface {
  name = 'LedgerRollupCounters1798000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_rollup_settings (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        time_zone text NOT NULL,
        grace interval NOT NULL
      )`);
    await q.query(
      `INSERT INTO ledger_rollup_settings (time_zone, grace) VALUES ('Asia/Shanghai', '72 hours')`,
    );
    const counters = `opened integer NOT NULL DEFAULT 0,
        closed integer NOT NULL DEFAULT 0,
        closed_on_time integer NOT NULL DEFAULT 0,
        escalated integer NOT NULL DEFAULT 0,
        closed_open integer NOT NULL DEFAULT 0,
        open_flow integer NOT NULL DEFAULT 0,
        overdue_flow integer NOT NULL DEFAULT 0,
        open_due integer NOT NULL DEFAULT 0`;
    await q.query(`
      CREATE TABLE ledger_rollup_item_facts (
        item_id uuid NOT NULL,
        org_unit_id text NOT NULL,
        kind "char" NOT NULL,
        period text NOT NULL,
        ${counters}
      )`);
    await q.query(
      `CREATE INDEX ledger_rollup_item_facts_item_idx ON ledger_rollup_item_facts (item_id)`,
    );
    await q.query(`
      CREATE TABLE ledger_rollup_counts (
        org_unit_id text NOT NULL,
        kind "char" NOT NULL,
        period text NOT NULL,
        ${counters},
        PRIMARY KEY (org_unit_id, kind, period)
      )`);
    await q.query(`
      CREATE TABLE ledger_rollup_deltas (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_unit_id text NOT NULL,
        kind "char" NOT NULL,
        period text NOT NULL,
        ${counters}
      )`);
    await q.query(
      `CREATE INDEX ledger_rollup_deltas_unit_idx ON ledger_rollup_deltas (org_unit_id, kind, period)`,
    );

    // One item's facts (cancelled items and items without a unit have none). A closed /
    // reopened entry at `at` shows in the item's state at any moment after `at`; the state
    // changes only at its creation, those entries and its due time (with the grace), so the
    // flows of the periods holding those moments add up to the state at any period's end.
    await q.query(`
      CREATE FUNCTION ledger_rollup_facts_of(ids uuid[])
      RETURNS TABLE (item_id uuid, org_unit_id text, kind "char", period text, opened integer,
        closed integer, closed_on_time integer, escalated integer, closed_open integer,
        open_flow integer, overdue_flow integer, open_due integer)
      LANGUAGE sql STABLE AS $fn$
        WITH settings AS (SELECT time_zone AS zone, grace FROM ledger_rollup_settings),
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
      $fn$`);

    // Replaces the items' facts and writes the difference of the sums as deltas.
    await q.query(`
      CREATE FUNCTION ledger_rollup_refresh(ids uuid[]) RETURNS void LANGUAGE sql AS $fn$
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
         ORDER BY d.org_unit_id, d.kind, d.period
      $fn$`);

    // Statement triggers (one refresh per statement, whatever its size). An update refreshes
    // only items whose facts it can move: state, unit, due time or creation time changed.
    await q.query(`
      CREATE FUNCTION ledger_rollup_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ledger_rollup_refresh(ARRAY(SELECT n.id FROM new_rows n));
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION ledger_rollup_items_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE ids uuid[];
      BEGIN
        ids := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                      WHERE n.state IS DISTINCT FROM o.state
                         OR n.org_unit_id IS DISTINCT FROM o.org_unit_id
                         OR n.due_at IS DISTINCT FROM o.due_at
                         OR n.created_at IS DISTINCT FROM o.created_at);
        IF cardinality(ids) > 0 THEN PERFORM ledger_rollup_refresh(ids); END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE FUNCTION ledger_rollup_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE ids uuid[];
      BEGIN
        ids := ARRAY(SELECT DISTINCT n.item_id FROM new_rows n
                      WHERE n.kind IN ('closed', 'reopened', 'escalated'));
        IF cardinality(ids) > 0 THEN PERFORM ledger_rollup_refresh(ids); END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE TRIGGER ledger_rollup_items_inserted AFTER INSERT ON ledger_items
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_items_inserted()`);
    await q.query(`
      CREATE TRIGGER ledger_rollup_items_updated AFTER UPDATE ON ledger_items
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_items_updated()`);
    await q.query(`
      CREATE TRIGGER ledger_rollup_entries_inserted AFTER INSERT ON ledger_entries
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_entries_inserted()`);

    // The items there are
    await q.query(`
      INSERT INTO ledger_rollup_item_facts
      SELECT * FROM ledger_rollup_facts_of(ARRAY(SELECT id FROM ledger_items))`);
    await q.query(`
      INSERT INTO ledger_rollup_counts
      SELECT org_unit_id, kind, period, sum(opened), sum(closed), sum(closed_on_time),
             sum(escalated), sum(closed_open), sum(open_flow), sum(overdue_flow), sum(open_due)
        FROM ledger_rollup_item_facts GROUP BY org_unit_id, kind, period`);
    // The overdue board's access scope and order (see LedgerStore.overdue)
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER ledger_rollup_entries_inserted ON ledger_entries`);
    await q.query(`DROP TRIGGER ledger_rollup_items_updated ON ledger_items`);
    await q.query(`DROP TRIGGER ledger_rollup_items_inserted ON ledger_items`);
    await q.query(`DROP FUNCTION ledger_rollup_entries_inserted()`);
    await q.query(`DROP FUNCTION ledger_rollup_items_updated()`);
    await q.query(`DROP FUNCTION ledger_rollup_items_inserted()`);
    await q.query(`DROP FUNCTION ledger_rollup_refresh(uuid[])`);
    await q.query(`DROP FUNCTION ledger_rollup_facts_of(uuid[])`);
    await q.query(`DROP TABLE ledger_rollup_deltas`);
    await q.query(`DROP TABLE ledger_rollup_counts`);
    await q.query(`DROP TABLE ledger_rollup_item_facts`);
    await q.query(`DROP TABLE ledger_rollup_settings`);
  }
}
