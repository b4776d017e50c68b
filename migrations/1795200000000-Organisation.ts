import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organisation (党委 > 党总支 > 党支部 > 党小组), its members, the users who act in roles
 * scoped to an org unit, and their API tokens (only a sha256 of each token is kept).
 *
 * Org unit ids are short slugs chosen by operators (`branch-rd`), not uuids: they appear in
 * business keys (`theme-day:<branchId>:<YYYY-MM>`), on the command line and in the README.
 * `path` is the materialised path of ids (`/committee/general-1/branch-rd/`), so a subtree is
 * one index range scan: `path LIKE '/committee/general-1/%'`.
 */
export class Organisation1795200000000 implements MigrationInterface {
  name = 'Organisation1795200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TYPE org_unit_kind AS ENUM ('committee', 'general_branch', 'branch', 'group')`,
    );
    await q.query(`
      CREATE TABLE org_units (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        parent_id text REFERENCES org_units (id),
        kind org_unit_kind NOT NULL,
        name text NOT NULL,
        path text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((parent_id IS NULL) = (kind = 'committee' AND path = '/' || id || '/'))
      )`);
    await q.query(`CREATE INDEX org_units_path_idx ON org_units (path text_pattern_ops)`);
    await q.query(`CREATE INDEX org_units_parent_idx ON org_units (parent_id)`);
    await q.query(`
      CREATE TYPE member_status AS ENUM
        ('applicant', 'activist', 'candidate', 'probationary', 'full', 'cancelled')`);
    await q.query(`
      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_unit_id text NOT NULL REFERENCES org_units (id),
        name text NOT NULL,
        status member_status NOT NULL,
        birth_date date,
        admission_date date,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX members_org_unit_idx ON members (org_unit_id, status)`);
    await q.query(`
      CREATE INDEX members_admission_month_idx
        ON members ((EXTRACT(MONTH FROM admission_date))) WHERE admission_date IS NOT NULL`);
    await q.query(
      `CREATE TYPE user_role AS ENUM ('secretary', 'member', 'supervisor', 'integrator')`,
    );
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        member_id uuid UNIQUE REFERENCES members (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE user_roles (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role user_role NOT NULL,
        org_unit_id text NOT NULL REFERENCES org_units (id),
        PRIMARY KEY (user_id, role, org_unit_id)
      )`);
    await q.query(`CREATE INDEX user_roles_org_unit_idx ON user_roles (org_unit_id, role)`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        label text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX process_instances_org_unit_idx ON process_instances (org_unit_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX process_instances_org_unit_idx`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE user_roles`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TYPE user_role`);
    await q.query(`DROP TABLE members`);
    await q.query(`DROP TYPE member_status`);
    await q.query(`DROP TABLE org_units`);
    await q.query(`DROP TYPE org_unit_kind`);
  }
}
