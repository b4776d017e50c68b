import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes no query reads, written on every step. A completion wrote ~58 WAL records (pgbench's
 * transaction: ~6), 39 of them index entries; these three indexes were 13 of those.
 *
 * - `audit_events`: the primary key becomes `(stream, seq)` (the unique constraint it was,
 *   which every reader uses: an instance's history and the chain verification go by stream and
 *   seq); the `id` column stays, numbered as before, without an index of its own; and
 *   `audit_events_instance_idx (instance_id, id)` goes — nothing reads events by instance_id
 *   (an instance's events are its stream).
 * - `tasks_open_groups_idx`: a GIN index on `candidate_groups`, which serves `@>` / `&&`; the
 *   queries ask `… = ANY(candidate_groups)`, which it cannot answer.
 */
export class StepIndexes1795500000000 implements MigrationInterface {
  name = 'StepIndexes1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey`);
    await q.query(
      `ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (stream, seq)`,
    );
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_stream_seq_uq`);
    await q.query(`DROP INDEX audit_events_instance_idx`);
    await q.query(`DROP INDEX tasks_open_groups_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX tasks_open_groups_idx ON tasks USING gin (candidate_groups) WHERE state = 'open'`,
    );
    await q.query(`CREATE INDEX audit_events_instance_idx ON audit_events (instance_id, id)`);
    await q.query(
      `ALTER TABLE audit_events ADD CONSTRAINT audit_events_stream_seq_uq UNIQUE (stream, seq)`,
    );
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey`);
    await q.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id)`);
  }
}
