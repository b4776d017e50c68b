import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instances by when they started: the list (`GET /api/instances`, newest first, paged) and
 * its 「发起时间」 range read `created_at` in index order instead of sorting the table, and so
 * does the list of one template (the monthly theme day: one instance per branch per month, tens
 * of thousands a year under a large committee). Unit, state and business key have theirs.
 */
export class InstancesByStart1797350000000 implements MigrationInterface {
  name = 'InstancesByStart1797350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX process_instances_created_idx ON process_instances (created_at DESC, id)`,
    );
    await q.query(
      `CREATE INDEX process_instances_template_created_idx
         ON process_instances (template_key, created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX process_instances_template_created_idx`);
    await q.query(`DROP INDEX process_instances_created_idx`);
  }
}
