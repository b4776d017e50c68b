import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roll-up's "overdue now" counts the items due today before now from ledger_items (see
 * subtreeCounts in libs/ledger/src/rollup-counters.ts); those due before today but opened
 * within the grace — due, with it, at their opening plus the grace — were read through the
 * index of every item by creation time and checked on the table: at a million items, the
 * few thousand opened in the last three days cost a committee's roll-up about 200 ms of heap
 * reads to find none. This index holds the unsettled items by creation time with their due
 * time, so the read checks the due time in the index and visits only the items it counts.
 * Neither column changes when an item is started, submitted or rejected (HOT updates stay).
 *
 * And the counters by kind and period: with the stocks (LedgerRollupStocks) a read of the
 * current period wants each unit's rows of this month and of today's due days, a few thousand
 * of a table that keeps every month and due day of the history; by the primary key the
 * planner took them unit by unit or read the whole table. The compaction changes counter
 * columns only, never these.
 */
export class LedgerRollupDueToday1798700000000 implements MigrationInterface {
  name = 'LedgerRollupDueToday1798700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ledger_items_open_created_idx ON ledger_items (created_at, due_at)
        WHERE settled_at IS NULL AND due_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX ledger_rollup_counts_period_idx ON ledger_rollup_counts (kind, period)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ledger_rollup_counts_period_idx`);
    await q.query(`DROP INDEX ledger_items_open_created_idx`);
  }
}
