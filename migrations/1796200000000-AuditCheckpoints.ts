import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Anchors for the audit chains (docs/audit.md):
 *
 * - `audit_anchors`: per stream, the head (seq, hash) the latest checkpoint saw. Only a
 *   checkpoint writes it, and only forward: a stream whose head went back, or whose anchored
 *   event is gone, keeps its old anchor, so verification keeps reporting it. A whole stream
 *   deleted with its head row still has its anchor.
 * - `audit_checkpoints`: one row per checkpoint period, the guard that makes a rerun of the
 *   same period write nothing; the checkpoint itself is an `audit.checkpoint` event on the
 *   system stream that records the digest over every anchor.
 *
 * Neither table is on a step's path: steps write `audit_streams` and `audit_events` as before.
 */
export class AuditCheckpoints1796200000000 implements MigrationInterface {
  name = 'AuditCheckpoints1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_anchors (
        stream text PRIMARY KEY,
        seq integer NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        period text PRIMARY KEY,
        seq integer NOT NULL,
        at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP TABLE audit_anchors`);
  }
}
