import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The task list (`GET /api/tasks`) reads a page in index order instead of sorting the table.
 * Each task carries its instance's org unit and template (set from the instance when the task
 * is inserted, and kept if an instance ever changes them), so the caller's scope — the units it
 * reads, as ids — and the template filter are index conditions on `tasks` itself, not filters
 * after a join. One index per order the list offers (due soonest / newest first) per kind and
 * state, one per unit and one per template in due order, and the people a task is for:
 * assignee (any state) and candidate users (GIN).
 */
export class TasksListKeyset1798100000000 implements MigrationInterface {
  name = 'TasksListKeyset1798100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN org_unit_id text, ADD COLUMN template_key text`);
    await q.query(`
      UPDATE tasks t SET org_unit_id = i.org_unit_id, template_key = i.template_key
        FROM process_instances i WHERE i.id = t.instance_id`);
    await q.query(`
      CREATE FUNCTION tasks_instance_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT i.org_unit_id, i.template_key INTO NEW.org_unit_id, NEW.template_key
          FROM process_instances i WHERE i.id = NEW.instance_id;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER tasks_instance_columns BEFORE INSERT OR UPDATE OF instance_id ON tasks
        FOR EACH ROW EXECUTE FUNCTION tasks_instance_columns()`);
    await q.query(`
      CREATE FUNCTION process_instances_task_columns() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE tasks SET org_unit_id = NEW.org_unit_id, template_key = NEW.template_key
         WHERE instance_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER process_instances_task_columns AFTER UPDATE OF org_unit_id, template_key
        ON process_instances FOR EACH ROW
        WHEN (OLD.org_unit_id IS DISTINCT FROM NEW.org_unit_id
              OR OLD.template_key IS DISTINCT FROM NEW.template_key)
        EXECUTE FUNCTION process_instances_task_columns()`);
    await q.query(`CREATE INDEX tasks_list_due_idx ON tasks (kind, state, due_at, created_at, id)`);
    await q.query(
      `CREATE INDEX tasks_list_created_idx ON tasks (kind, state, created_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX tasks_list_unit_idx ON tasks (org_unit_id, kind, state, due_at, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX tasks_list_template_idx
         ON tasks (template_key, kind, state, due_at, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX tasks_assignee_idx ON tasks (assignee, kind, state) WHERE assignee IS NOT NULL`,
    );
    await q.query(`CREATE INDEX tasks_candidate_users_idx ON tasks USING gin (candidate_users)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tasks_candidate_users_idx`);
    await q.query(`DROP INDEX tasks_assignee_idx`);
    await q.query(`DROP INDEX tasks_list_template_idx`);
    await q.query(`DROP INDEX tasks_list_unit_idx`);
    await q.query(`DROP INDEX tasks_list_created_idx`);
    await q.query(`DROP INDEX tasks_list_due_idx`);
    await q.query(`DROP TRIGGER process_instances_task_columns ON process_instances`);
    await q.query(`DROP FUNCTION process_instances_task_columns()`);
    await q.query(`DROP TRIGGER tasks_instance_columns ON tasks`);
    await q.query(`DROP FUNCTION tasks_instance_columns()`);
    await q.query(`ALTER TABLE tasks DROP COLUMN template_key, DROP COLUMN org_unit_id`);
  }
}
