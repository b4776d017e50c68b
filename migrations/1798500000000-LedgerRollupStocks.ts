import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roll-up's stocks folded per unit (issue 16): "open at the end of this month" summed every
 * month's flow since the first item, and "overdue now" every due day's open items, so a
 * committee's roll-up read about fifty rows per unit (104,000 at 2,000 branches after a few
 * years). `ledger_rollup_stocks` holds, per unit and kind (`m`, `q`, `d`), the flows of the
 * counts of that kind before the kind's bound in `ledger_rollup_stock_bounds` (this month, this
 * quarter, today in UTC, as of the last compaction): a read of a period from the bound on sums
 * the stock and the counts from the bound — a few rows per unit. The deltas are summed by
 * readers as before; the compaction adds those before the bound to the stocks as it folds them
 * into the counts, and recounts a kind's stocks from the counts when its bound moves.
 * LedgerStore's compaction is the only writer of both tables.
 */
export class LedgerRollupStocks1798500000000 implements MigrationInterface {
  name = 'LedgerRollupStocks1798500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_rollup_stock_bounds (
        kind "char" PRIMARY KEY,
        before text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE ledger_rollup_stocks (
        org_unit_id text NOT NULL,
        kind "char" NOT NULL,
        open_flow integer NOT NULL DEFAULT 0,
        overdue_flow integer NOT NULL DEFAULT 0,
        open_due integer NOT NULL DEFAULT 0,
        PRIMARY KEY (org_unit_id, kind)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_rollup_stocks`);
    await q.query(`DROP TABLE ledger_rollup_stock_bounds`);
  }
}
