import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk starts (the monthly kick-off, a directive to every branch of a subtree) as a durable
 * plan: one row per bulk and one per batch, each batch holding the starts it makes (template,
 * unit, business key, variables) and, once run, what it did. A batch is run by the job of its
 * outbox row; a batch still pending is found again from here (the reconciler), so a flushed
 * Redis loses nothing. Progress is a sum over the bulk's batches (no row that every batch
 * updates).
 */
export class BulkStarts1798200000000 implements MigrationInterface {
  name = 'BulkStarts1798200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulk_starts (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('kickoff', 'directive')),
        template_key text NOT NULL,
        org_unit_id text REFERENCES org_units (id),
        requested_by text NOT NULL,
        total int NOT NULL CHECK (total >= 0),
        batches int NOT NULL CHECK (batches >= 0),
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX bulk_starts_created_idx ON bulk_starts (created_at)`);
    await q.query(`
      CREATE TABLE bulk_start_batches (
        bulk_id uuid NOT NULL REFERENCES bulk_starts (id),
        n int NOT NULL CHECK (n >= 0),
        size int NOT NULL,
        inputs jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
        started int NOT NULL DEFAULT 0,
        existing int NOT NULL DEFAULT 0,
        failed int NOT NULL DEFAULT 0,
        error text,
        done_at timestamptz,
        PRIMARY KEY (bulk_id, n)
      )`);
    await q.query(
      `CREATE INDEX bulk_start_batches_pending_idx ON bulk_start_batches (bulk_id, n) WHERE state = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE bulk_start_batches`);
    await q.query(`DROP TABLE bulk_starts`);
  }
}
