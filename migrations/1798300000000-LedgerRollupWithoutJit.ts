import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The roll-up triggers' refresh (LedgerRollupCounters) planned with JIT compilation off.
 *
 * The refresh runs once per statement that writes ledger items or entries, for the few items
 * the statement wrote. Its plan is made without knowing how many ids it gets, so the planner's
 * estimates (a generic array, a settings table never analysed) put its cost far above
 * `jit_above_cost`, and PostgreSQL spent about 1.2 s compiling the plan of a one-row insert —
 * every ledger change, a task's step with ledger items among them, took over a second. Without
 * JIT the refresh of one item costs about 12 ms, of 500 items about 100 ms (a one-row insert
 * with the trigger disabled: under 1 ms). Facts over the whole table (`cli ledger recount`)
 * call `ledger_rollup_facts_of` directly and keep the server's setting.
 */
export class LedgerRollupWithoutJit1798300000000 implements MigrationInterface {
  name = 'LedgerRollupWithoutJit1798300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION ledger_rollup_refresh(uuid[]) SET jit = off`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION ledger_rollup_refresh(uuid[]) RESET jit`);
  }
}
