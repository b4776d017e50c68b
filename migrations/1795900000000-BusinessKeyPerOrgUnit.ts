import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A business key is unique per template within an org unit, not across all units: an instance
 * in one branch can no longer take the key another branch's instance needs (e.g. the monthly
 * kick-off's `theme-day:<branch>:<YYYY-MM>`), and a duplicate tells nothing about another
 * unit's instances. Instances without a unit count as one unit (NULLS NOT DISTINCT).
 */
export class BusinessKeyPerOrgUnit1795900000000 implements MigrationInterface {
  name = 'BusinessKeyPerOrgUnit1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX process_instances_business_key_uq`);
    await q.query(`
      CREATE UNIQUE INDEX process_instances_business_key_uq
        ON process_instances (template_key, org_unit_id, business_key) NULLS NOT DISTINCT
        WHERE business_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX process_instances_business_key_uq`);
    await q.query(`
      CREATE UNIQUE INDEX process_instances_business_key_uq
        ON process_instances (template_key, business_key) WHERE business_key IS NOT NULL`);
  }
}
