import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ledger items by instance: an approval step that crosses off (销号) its instance's submitted
 * items (`ledger.verifies`, docs/ledger.md) finds them through this index, and so does the
 * list's `instanceId` filter. Partial: items opened by hand have no instance. `instance_id`
 * never changes, so an item's usual changes stay HOT updates (migration LedgerItemsHotUpdates).
 */
export class LedgerItemsByInstance1797000000000 implements MigrationInterface {
  name = 'LedgerItemsByInstance1797000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX ledger_items_instance_idx ON ledger_items (instance_id)
       WHERE instance_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_items_instance_idx`);
  }
}
