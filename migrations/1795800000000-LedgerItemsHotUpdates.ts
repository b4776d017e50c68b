import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger item's usual changes — started, submitted (its task completed), rejected — no
 * longer touch any index, so PostgreSQL can make them HOT updates (a new row version on the
 * same page, no index entries) instead of adding an entry to each of the item's five indexes:
 *
 * - `ledger_items_org_unit_idx` is on `org_unit_id` alone (the state is filtered on the rows;
 *   every query by org unit reads whole items anyway);
 * - `ledger_items_open_due_idx` (the escalation sweep's) covers items not yet settled, by a
 *   new column: `settled_at`, set when an item is closed (销号) or cancelled and cleared when it
 *   is reopened, where the predicate used to name the states (`state` changes on every step
 *   of the item). Submitted items were in it before and still are;
 * - both tables stepped on every completion leave a fifth of each page free (`fillfactor`
 *   80), room for the new version on the same page. Pages written from now on; existing ones
 *   stay packed until rewritten.
 */
export class LedgerItemsHotUpdates1795800000000 implements MigrationInterface {
  name = 'LedgerItemsHotUpdates1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_items ADD COLUMN settled_at timestamptz`);
    await q.query(`
      UPDATE ledger_items SET settled_at = coalesce(closed_at, updated_at)
       WHERE state IN ('closed', 'cancelled')`);
    await q.query(`DROP INDEX ledger_items_org_unit_idx`);
    await q.query(`CREATE INDEX ledger_items_org_unit_idx ON ledger_items (org_unit_id)`);
    await q.query(`DROP INDEX ledger_items_open_due_idx`);
    await q.query(`
      CREATE INDEX ledger_items_open_due_idx ON ledger_items (due_at)
        WHERE settled_at IS NULL AND due_at IS NOT NULL`);
    await q.query(`ALTER TABLE ledger_items SET (fillfactor = 80)`);
    await q.query(`ALTER TABLE process_instances SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE process_instances RESET (fillfactor)`);
    await q.query(`ALTER TABLE ledger_items RESET (fillfactor)`);
    await q.query(`DROP INDEX ledger_items_open_due_idx`);
    await q.query(`
      CREATE INDEX ledger_items_open_due_idx ON ledger_items (due_at)
        WHERE state IN ('open', 'in_progress', 'submitted') AND due_at IS NOT NULL`);
    await q.query(`DROP INDEX ledger_items_org_unit_idx`);
    await q.query(`CREATE INDEX ledger_items_org_unit_idx ON ledger_items (org_unit_id, state)`);
    await q.query(`ALTER TABLE ledger_items DROP COLUMN settled_at`);
  }
}
