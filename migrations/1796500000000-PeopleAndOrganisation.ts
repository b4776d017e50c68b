import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a real Party committee keeps about its organisation and people (issue 14), the columns
 * only; the code that writes them comes with the admin API, the roster import and the log-in.
 *
 * - The role `admin` (组织部 / system administrator): administers the org units, members and
 *   accounts of its subtree.
 * - Members: gender, the date of full membership (转正日期), the external member number
 *   (党员编号, unique where given: a roster re-import matches by it), a phone number (personal
 *   data: masked for everyone but an admin of the member's unit), and a `version` that every
 *   change raises (a write names the version it read: no lost update).
 * - Org units: `closed_at` (a closed unit keeps its history but takes no new members or
 *   instances) and a `version` as for members.
 */
export class PeopleAndOrganisation1796500000000 implements MigrationInterface {
  name = 'PeopleAndOrganisation1796500000000';

  async up(q: QueryRunner): Promise<void> {
    // ADD VALUE commits with the migration; the value is used by later code only
    await q.query(`ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'admin'`);
    await q.query(`CREATE TYPE member_gender AS ENUM ('male', 'female')`);
    await q.query(`
      ALTER TABLE members
        ADD COLUMN gender member_gender,
        ADD COLUMN full_member_date date,
        ADD COLUMN party_number text CHECK (party_number <> '' AND length(party_number) <= 64),
        ADD COLUMN phone text CHECK (length(phone) <= 32),
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(
      `CREATE UNIQUE INDEX members_party_number_key ON members (party_number) WHERE party_number IS NOT NULL`,
    );
    await q.query(`CREATE INDEX members_unit_name_idx ON members (org_unit_id, name, birth_date)`);
    await q.query(`
      ALTER TABLE org_units
        ADD COLUMN closed_at timestamptz,
        ADD COLUMN version integer NOT NULL DEFAULT 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE org_units DROP COLUMN version, DROP COLUMN closed_at`);
    await q.query(`DROP INDEX members_unit_name_idx`);
    await q.query(`DROP INDEX members_party_number_key`);
    await q.query(`
      ALTER TABLE members
        DROP COLUMN updated_at, DROP COLUMN version, DROP COLUMN phone,
        DROP COLUMN party_number, DROP COLUMN full_member_date, DROP COLUMN gender`);
    await q.query(`DROP TYPE member_gender`);
    // PostgreSQL cannot drop an enum value; 'admin' stays in user_role
  }
}
