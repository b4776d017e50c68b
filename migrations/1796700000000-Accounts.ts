import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log-in for people (issue 14): users get a login name (unique, compared case-insensitively)
 * and a password hash (`scrypt$N$r$p$salt$hash`), a flag forcing a new password at the next
 * log-in (accounts an admin creates), a per-account failure count and lock, a `version` every
 * change raises (a write names the version it read), and `well_known` for the sample
 * organisation's development credentials (the api refuses to start in production while one is
 * valid). Tokens get `well_known` and `last_used_at`. Sessions keep only the sha256 of their
 * token, an idle and an absolute expiry, and a bounded user agent and address.
 */
export class Accounts1796700000000 implements MigrationInterface {
  name = 'Accounts1796700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE users
        ADD COLUMN login_name text CHECK (login_name ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
        ADD COLUMN password_hash text CHECK (length(password_hash) <= 256),
        ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
        ADD COLUMN password_changed_at timestamptz,
        ADD COLUMN failed_logins integer NOT NULL DEFAULT 0,
        ADD COLUMN locked_until timestamptz,
        ADD COLUMN well_known boolean NOT NULL DEFAULT false,
        ADD COLUMN version integer NOT NULL DEFAULT 1,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`CREATE UNIQUE INDEX users_login_name_key ON users (login_name)`);
    await q.query(`
      ALTER TABLE api_tokens
        ADD COLUMN well_known boolean NOT NULL DEFAULT false,
        ADD COLUMN last_used_at timestamptz`);
    await q.query(`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`);
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        user_agent text CHECK (length(user_agent) <= 256),
        address text CHECK (length(address) <= 64)
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP INDEX api_tokens_user_idx`);
    await q.query(`ALTER TABLE api_tokens DROP COLUMN last_used_at, DROP COLUMN well_known`);
    await q.query(`DROP INDEX users_login_name_key`);
    await q.query(`
      ALTER TABLE users
        DROP COLUMN updated_at, DROP COLUMN version, DROP COLUMN well_known,
        DROP COLUMN locked_until, DROP COLUMN failed_logins, DROP COLUMN password_changed_at,
        DROP COLUMN must_change_password, DROP COLUMN password_hash, DROP COLUMN login_name`);
  }
}
