import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partial indexes over open tasks' assignee and due date, and over open ledger items' due
 * date, leave out rows where that column is NULL: every query they serve compares the column
 * (`assignee = $n`, `due_at < $n`), which no NULL satisfies, so PostgreSQL still proves the
 * narrower predicate and uses them. A task with no assignee or no due date (the common case
 * for candidate-group tasks) then costs no entry in them when it is created, and its ledger
 * item none when it is created and again when it is submitted.
 */
export class PartialIndexesWithoutNulls1795700000000 implements MigrationInterface {
  name = 'PartialIndexesWithoutNulls1795700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tasks_open_assignee_idx`);
    await q.query(
      `CREATE INDEX tasks_open_assignee_idx ON tasks (assignee) WHERE state = 'open' AND assignee IS NOT NULL`,
    );
    await q.query(`DROP INDEX tasks_open_due_idx`);
    await q.query(
      `CREATE INDEX tasks_open_due_idx ON tasks (due_at) WHERE state = 'open' AND due_at IS NOT NULL`,
    );
    await q.query(`DROP INDEX ledger_items_open_due_idx`);
    await q.query(`
      CREATE INDEX ledger_items_open_due_idx ON ledger_items (due_at)
        WHERE state IN ('open', 'in_progress', 'submitted') AND due_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tasks_open_assignee_idx`);
    await q.query(`CREATE INDEX tasks_open_assignee_idx ON tasks (assignee) WHERE state = 'open'`);
    await q.query(`DROP INDEX tasks_open_due_idx`);
    await q.query(`CREATE INDEX tasks_open_due_idx ON tasks (due_at) WHERE state = 'open'`);
    await q.query(`DROP INDEX ledger_items_open_due_idx`);
    await q.query(`
      CREATE INDEX ledger_items_open_due_idx ON ledger_items (due_at)
        WHERE state IN ('open', 'in_progress', 'submitted')`);
  }
}
