import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The overdue board (`GET /api/ledger/overdue`, libs/ledger/src/overdue-board.ts) reads a page
 * in index order instead of sorting every unsettled item: its red stream walks the unsettled
 * items with a due time in (escalations DESC, due_at, id) — or, for a narrow scope, each unit's
 * by due time — and the escalated stream a small index of the items escalated at least once.
 * None of the columns changes when an item is started, submitted or rejected, so those stay
 * HOT updates (see LedgerItemsHotUpdates).
 */
export class LedgerOverdueBoard1798400000000 implements MigrationInterface {
  name = 'LedgerOverdueBoard1798400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX ledger_items_board_due_idx ON ledger_items (escalations DESC, due_at, id)
        WHERE settled_at IS NULL AND due_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX ledger_items_board_unit_idx ON ledger_items (org_unit_id, due_at)
        WHERE settled_at IS NULL AND due_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX ledger_items_board_escalated_idx
        ON ledger_items (escalations DESC, due_at, id, org_unit_id)
        WHERE settled_at IS NULL AND escalations > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_items_board_escalated_idx`);
    await q.query(`DROP INDEX ledger_items_board_unit_idx`);
    await q.query(`DROP INDEX ledger_items_board_due_idx`);
  }
}
