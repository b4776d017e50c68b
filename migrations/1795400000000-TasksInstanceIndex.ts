import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `tasks_instance_idx (instance_id)`: the unique index of `(instance_id, engine_key)`
 * answers every lookup by instance as well, and the extra index cost an entry on every task
 * insert and on every completion (a state change is not a HOT update, so each of the table's
 * indexes takes a new entry).
 */
export class TasksInstanceIndex1795400000000 implements MigrationInterface {
  name = 'TasksInstanceIndex1795400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tasks_instance_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX tasks_instance_idx ON tasks (instance_id)`);
  }
}
