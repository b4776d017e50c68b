import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which org units hold the authority to pre-review and approve admissions (发展党员 steps 13,
 * 17 and 24): a 基层党委 does, a 党总支 only reviews unless it is granted the authority.
 * `approves_admissions` is null for "as the kind says" (true for a committee, false for every
 * other kind) and true / false where an administrator decided for the unit; the view of it is
 * `coalesce(approves_admissions, kind = 'committee')`. The candidate group `supervisor@approving`
 * names the supervisors of the nearest unit at or above an instance's unit that holds it.
 */
export class ApprovalAuthority1797100000000 implements MigrationInterface {
  name = 'ApprovalAuthority1797100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE org_units ADD COLUMN approves_admissions boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE org_units DROP COLUMN approves_admissions`);
  }
}
