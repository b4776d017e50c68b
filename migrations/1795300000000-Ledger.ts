import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The 挂账销号 ledger. An item carries the 四个明确 (deadline `due_at`, responsible unit and
 * person, standard of done, assessing unit); every user task opens one (list `task`), and
 * supervisors register items by hand on the 三单 (问题清单 `problem`, 任务清单 `task`,
 * 责任清单 `responsibility`). Its life is kept as entries (progress, submission with
 * evidence, rejection, closure 销号, reopening 回头看, escalation 督办); attachments keep
 * their size and sha256 next to the bytes. `ledger_entries.seq` orders entries written at the
 * same instant (a closure and a reopening in one second), which the roll-ups rely on.
 */
export class Ledger1795300000000 implements MigrationInterface {
  name = 'Ledger1795300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE ledger_list AS ENUM ('problem', 'task', 'responsibility')`);
    await q.query(`
      CREATE TYPE ledger_state AS ENUM ('open', 'in_progress', 'submitted', 'closed', 'cancelled')`);
    await q.query(`
      CREATE TABLE ledger_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        list ledger_list NOT NULL,
        source text NOT NULL CHECK (source IN ('task', 'manual')),
        task_id uuid UNIQUE REFERENCES tasks (id),
        instance_id uuid REFERENCES process_instances (id),
        title text NOT NULL,
        standard text,
        org_unit_id text,
        responsible text,
        assessing_unit_id text,
        due_at timestamptz,
        state ledger_state NOT NULL DEFAULT 'open',
        escalations integer NOT NULL DEFAULT 0,
        escalated_at timestamptz,
        escalated_to text,
        submitted_at timestamptz,
        closed_at timestamptz,
        closed_by text,
        reopened integer NOT NULL DEFAULT 0,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK ((source = 'task') = (task_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX ledger_items_org_unit_idx ON ledger_items (org_unit_id, state)`);
    await q.query(`
      CREATE INDEX ledger_items_open_due_idx ON ledger_items (due_at)
        WHERE state IN ('open', 'in_progress', 'submitted')`);
    await q.query(`CREATE INDEX ledger_items_created_idx ON ledger_items (created_at)`);
    await q.query(`
      CREATE TYPE ledger_entry_kind AS ENUM
        ('opened', 'progress', 'submitted', 'rejected', 'closed', 'reopened', 'escalated', 'cancelled')`);
    await q.query(`
      CREATE TABLE ledger_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        item_id uuid NOT NULL REFERENCES ledger_items (id),
        kind ledger_entry_kind NOT NULL,
        actor text NOT NULL,
        note text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ledger_entries_item_idx ON ledger_entries (item_id, at, seq)`);
    await q.query(`
      CREATE TABLE ledger_attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        item_id uuid NOT NULL REFERENCES ledger_items (id),
        entry_id uuid REFERENCES ledger_entries (id),
        file_name text NOT NULL,
        content_type text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes >= 0),
        sha256 text NOT NULL,
        content bytea NOT NULL,
        uploaded_by text NOT NULL,
        uploaded_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ledger_attachments_item_idx ON ledger_attachments (item_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ledger_attachments`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP TYPE ledger_entry_kind`);
    await q.query(`DROP TABLE ledger_items`);
    await q.query(`DROP TYPE ledger_state`);
    await q.query(`DROP TYPE ledger_list`);
  }
}
