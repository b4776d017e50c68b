import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roll-up's item facts refreshed in batches after the change, not inside it. The statement
 * triggers of LedgerRollupCounters refreshed an item's facts in the writer's transaction: two
 * refreshes per task completion, about 1 ms of PostgreSQL's time together, a third of the
 * completions a second bench:runtime gained when they were switched off (620 against 380 per
 * second, the same run); a bulk start's batch of 500 paid its items' refresh inside its
 * transaction too.
 *
 * Now the triggers only note the items whose facts may have moved (`ledger_rollup_dirty`,
 * written in the change's transaction, so no change is ever missed), and
 * `ledger_rollup_refresh_dirty` refreshes them, many at once, with the same statement as before
 * (`ledger_rollup_refresh`: an item's facts replaced by its current ones, the difference a
 * delta). It runs
 * - on every roll-up read, before the counters are summed: a read sees every change committed
 *   before it, exactly as before (LedgerStore's `prepareCounters`);
 * - every few seconds in the worker (`ledger-rollup` maintenance job), so the reads find little
 *   to do;
 * - not in `cli ledger recount`, which recounts every item anyway: it compares the counters
 *   as a refresh of the noted items would leave them with its recount, and clears the notes.
 *
 * Refreshers take one advisory lock (waiting for each other): an item's facts are replaced by
 * one refresher at a time, and a refresh reads the items as of a snapshot that holds every
 * change whose note it takes (note and change commit together). A refresh is idempotent, so an
 * item noted twice, or changed again while it is refreshed (noted again), comes out right.
 */
export class LedgerRollupDeferredRefresh1799000000000 implements MigrationInterface {
  name = 'LedgerRollupDeferredRefresh1799000000000';

  async up(q: QueryRunner): Promise<void> {
    // No index: it is read whole (or its first rows) and emptied; a step adds one or two rows
    await q.query(`CREATE TABLE ledger_rollup_dirty (item_id uuid NOT NULL)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO ledger_rollup_dirty (item_id) SELECT n.id FROM new_rows n;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_items_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO ledger_rollup_dirty (item_id)
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE n.state IS DISTINCT FROM o.state
            OR n.org_unit_id IS DISTINCT FROM o.org_unit_id
            OR n.due_at IS DISTINCT FROM o.due_at
            OR n.created_at IS DISTINCT FROM o.created_at;
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO ledger_rollup_dirty (item_id)
        SELECT DISTINCT n.item_id FROM new_rows n
         WHERE n.kind IN ('closed', 'reopened', 'escalated');
        RETURN NULL;
      END $fn$`);
    // At most `max` notes (all with NULL) taken and their items refreshed; answers how many
    // notes it took (fewer than `max`: none were left as of its snapshot)
    await q.query(`
      CREATE FUNCTION ledger_rollup_refresh_dirty(max integer) RETURNS integer
        LANGUAGE plpgsql AS $fn$
      DECLARE
        taken integer;
        ids uuid[];
      BEGIN
        PERFORM pg_advisory_xact_lock(1818584178);
        WITH notes AS (
          DELETE FROM ledger_rollup_dirty d
           WHERE d.ctid = ANY(ARRAY(SELECT x.ctid FROM ledger_rollup_dirty x LIMIT max))
          RETURNING d.item_id)
        SELECT count(*), array_agg(DISTINCT n.item_id ORDER BY n.item_id) INTO taken, ids FROM notes n;
        IF taken > 0 THEN PERFORM ledger_rollup_refresh(ids); END IF;
        RETURN taken;
      END $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The items noted and not yet refreshed, refreshed now; then the triggers refresh again
    await q.query(`SELECT ledger_rollup_refresh_dirty(NULL)`);
    await q.query(`DROP FUNCTION ledger_rollup_refresh_dirty(integer)`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM ledger_rollup_refresh(ARRAY(SELECT n.id FROM new_rows n));
        RETURN NULL;
      END $fn$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ledger_rollup_items_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
      CREATE OR REPLACE FUNCTION ledger_rollup_entries_inserted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE ids uuid[];
      BEGIN
        ids := ARRAY(SELECT DISTINCT n.item_id FROM new_rows n
                      WHERE n.kind IN ('closed', 'reopened', 'escalated'));
        IF cardinality(ids) > 0 THEN PERFORM ledger_rollup_refresh(ids); END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`DROP TABLE ledger_rollup_dirty`);
  }
}
