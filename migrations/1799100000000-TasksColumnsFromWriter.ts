import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The step's writer sets a new task's `org_unit_id` and `template_key` (its instance's, which
 * it holds), so the row trigger of TasksListKeyset that read them from the instance no longer
 * runs for its inserts: about 25 µs of PostgreSQL's time per task (7,845 calls, 190 ms in one
 * bench:runtime run), every completion inserting the next task. It stays for any other writer
 * that leaves the template key out (every instance has one), and for a task moved to another
 * instance.
 */
export class TasksColumnsFromWriter1799100000000 implements MigrationInterface {
  name = 'TasksColumnsFromWriter1799100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tasks_instance_columns ON tasks`);
    await q.query(`
      CREATE TRIGGER tasks_instance_columns BEFORE INSERT ON tasks
        FOR EACH ROW WHEN (NEW.template_key IS NULL) EXECUTE FUNCTION tasks_instance_columns()`);
    await q.query(`
      CREATE TRIGGER tasks_instance_columns_moved BEFORE UPDATE OF instance_id ON tasks
        FOR EACH ROW EXECUTE FUNCTION tasks_instance_columns()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tasks_instance_columns_moved ON tasks`);
    await q.query(`DROP TRIGGER tasks_instance_columns ON tasks`);
    await q.query(`
      CREATE TRIGGER tasks_instance_columns BEFORE INSERT OR UPDATE OF instance_id ON tasks
        FOR EACH ROW EXECUTE FUNCTION tasks_instance_columns()`);
  }
}
