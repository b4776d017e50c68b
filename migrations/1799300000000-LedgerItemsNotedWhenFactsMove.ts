import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An updated ledger item is noted for the roll-up's refresh (LedgerRollupDeferredRefresh) only
 * when something its roll-up facts are made of moved: its unit, its due or opening time, or
 * whether it is cancelled. The facts (`ledger_rollup_facts_of`, and the rebuild's
 * ALL_ITEM_FACTS) read nothing else of the item; closings, reopenings and 督办 come from its
 * entries, which note it themselves (LedgerEntriesNotedPerRow). Before, any change of state
 * noted it — the submission that every task completion makes (open → submitted) among them —
 * and the refresh then recomputed facts that could not have changed: about 47 µs of
 * PostgreSQL's time per item refreshed in bench:runtime (652 ms for ~14,000 items), plus a
 * statement trigger over transition tables on every update (216 ms for 6,781).
 *
 * A row trigger with that condition costs nothing for the updates that do not meet it (the
 * overdue sweep's escalation counts, a submission, a claim).
 */
export class LedgerItemsNotedWhenFactsMove1799300000000 implements MigrationInterface {
  name = 'LedgerItemsNotedWhenFactsMove1799300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION ledger_rollup_item_noted() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO ledger_rollup_dirty (item_id) VALUES (NEW.id);
        RETURN NULL;
      END $fn$`);
    await q.query(`DROP TRIGGER ledger_rollup_items_updated ON ledger_items`);
    await q.query(`
      CREATE TRIGGER ledger_rollup_items_updated AFTER UPDATE ON ledger_items
        FOR EACH ROW
        WHEN ((OLD.state = 'cancelled') IS DISTINCT FROM (NEW.state = 'cancelled')
              OR OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id
              OR OLD.due_at IS DISTINCT FROM NEW.due_at
              OR OLD.created_at IS DISTINCT FROM NEW.created_at)
        EXECUTE FUNCTION ledger_rollup_item_noted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER ledger_rollup_items_updated ON ledger_items`);
    await q.query(`
      CREATE TRIGGER ledger_rollup_items_updated AFTER UPDATE ON ledger_items
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_items_updated()`);
    await q.query(`DROP FUNCTION ledger_rollup_item_noted()`);
  }
}
