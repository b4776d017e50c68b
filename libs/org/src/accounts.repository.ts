import { createHash, randomBytes } from 'node:crypto';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import type { DataSource, EntityManager } from 'typeorm';
import type { Principal, Role } from './org.types.js';
import { TOKEN_PREFIX, generateToken, hashToken } from './tokens.js';

/** Session tokens start with this (machine tokens with `bf_` and anything else). */
export const SESSION_PREFIX = 'bfs_';

/** A new session token: 32 random bytes, base64url; only its sha256 is stored. */
export function generateSessionToken(): string {
  return SESSION_PREFIX + randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Login names: lower-case letters, digits, `.`, `_` and `-`, 2 to 64 characters. */
export const LOGIN_NAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export interface UserAccount {
  readonly id: string;
  readonly loginName: string | null;
  readonly name: string;
  readonly memberId: string | null;
  /** The member's org unit, when the user is a member. */
  readonly memberUnitId: string | null;
  readonly disabled: boolean;
  readonly mustChangePassword: boolean;
  readonly hasPassword: boolean;
  readonly wellKnown: boolean;
  readonly grants: readonly {
    readonly role: Role;
    readonly orgUnitId: string;
    readonly orgUnitName: string;
    readonly path: string;
  }[];
  readonly memberPath: string | null;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MachineToken {
  readonly id: string;
  readonly userId: string;
  readonly userName: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  readonly wellKnown: boolean;
}

export interface LoginCandidate {
  readonly id: string;
  readonly loginName: string;
  readonly passwordHash: string | null;
  readonly disabled: boolean;
  readonly lockedUntil: number | null;
  readonly mustChangePassword: boolean;
}

export interface SessionPrincipal {
  readonly principal: Principal;
  readonly sessionId: string;
  readonly mustChangePassword: boolean;
}

interface UserRow {
  id: string;
  login_name: string | null;
  name: string;
  member_id: string | null;
  member_unit_id: string | null;
  member_path: string | null;
  disabled: boolean;
  must_change_password: boolean;
  has_password: boolean;
  well_known: boolean;
  grants: { role: Role; orgUnitId: string; path: string; orgUnitName: string }[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface TokenRow {
  id: string;
  user_id: string;
  user_name: string;
  label: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  well_known: boolean;
}

const USER_COLUMNS = `
  u.id, u.login_name, u.name, u.member_id, m.org_unit_id AS member_unit_id, mu.path AS member_path,
  u.disabled_at IS NOT NULL AS disabled, u.must_change_password,
  u.password_hash IS NOT NULL AS has_password, u.well_known, u.version, u.created_at, u.updated_at,
  COALESCE((SELECT json_agg(json_build_object('role', r.role, 'orgUnitId', r.org_unit_id, 'path', o.path, 'orgUnitName', o.name)
                            ORDER BY o.path, r.role)
              FROM user_roles r JOIN org_units o ON o.id = r.org_unit_id WHERE r.user_id = u.id),
           '[]'::json) AS grants`;

const USER_FROM = `users u LEFT JOIN members m ON m.id = u.member_id
  LEFT JOIN org_units mu ON mu.id = m.org_unit_id`;

/** A user is in a scope (paths) when a grant of theirs or their member's unit lies in it. */
const IN_SCOPE = `(EXISTS (SELECT 1 FROM user_roles r JOIN org_units o ON o.id = r.org_unit_id
                            JOIN unnest($1::text[]) s(p) ON starts_with(o.path, s.p)
                           WHERE r.user_id = u.id)
                   OR EXISTS (SELECT 1 FROM unnest($1::text[]) s(p) WHERE starts_with(mu.path, s.p)))`;

/**
 * All SQL for the accounts: users (login names, password hashes, locks, versions), their role
 * grants, machine tokens (api_tokens) and log-in sessions. Writes that change a user name the
 * version they read and raise it; every write is audited in the system stream by the caller
 * through `audit` (one transaction with the change).
 */
export class AccountsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: { now(): number },
  ) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async audit(
    tx: EntityManager,
    type: string,
    actor: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await appendAudit(tx, SYSTEM_STREAM, [{ type, actor, at: this.clock.now(), data }]);
  }

  // --- users ---------------------------------------------------------------------------

  /** A user by id, optionally only when in the scope `paths` (null: anywhere). */
  async user(
    id: string,
    paths: readonly string[] | null,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<UserAccount | null> {
    if (lock) await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [id]);
    const rows = await manager.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM ${USER_FROM}
        WHERE u.id = $2 AND ($1::text[] IS NULL OR ${IN_SCOPE})`,
      [paths, id],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  /**
   * Users in the scope `paths` (null: all), by name; with `orgUnitId`, only those holding a role
   * on that unit or whose member belongs to it.
   */
  async users(
    paths: readonly string[] | null,
    page: { offset: number; limit: number },
    orgUnitId?: string,
  ): Promise<{ items: UserAccount[]; total: number }> {
    const rows = await this.dataSource.query<(UserRow & { total: number })[]>(
      `SELECT ${USER_COLUMNS}, count(*) OVER ()::int AS total FROM ${USER_FROM}
        WHERE ($1::text[] IS NULL OR ${IN_SCOPE})
          AND ($4::text IS NULL OR m.org_unit_id = $4
               OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.org_unit_id = $4))
        ORDER BY u.name, u.id OFFSET $2 LIMIT $3`,
      [paths, page.offset, page.limit, orgUnitId ?? null],
    );
    return { items: rows.map(toUser), total: rows[0]?.total ?? 0 };
  }

  async userByLogin(
    loginName: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<UserAccount | null> {
    const [row] = await manager.query<{ id: string }[]>(
      `SELECT id FROM users WHERE login_name = $1`,
      [loginName],
    );
    return row ? this.user(row.id, null, manager) : null;
  }

  /**
   * Inserts a user with grants (no token). Null when the login name is taken or the member has
   * a user already (either unique index; a concurrent insert of the same is waited for, so a
   * double submit inserts once and the other answers null — see memberHasUser).
   */
  async insertUser(
    tx: EntityManager,
    input: {
      loginName: string | null;
      name: string;
      memberId: string | null;
      passwordHash: string | null;
      mustChangePassword: boolean;
      wellKnown?: boolean;
      grants: readonly { role: Role; orgUnitId: string }[];
    },
  ): Promise<string | null> {
    const now = new Date(this.clock.now());
    const inserted = await tx.query<{ id: string }[]>(
      `INSERT INTO users (login_name, name, member_id, password_hash, must_change_password,
                          password_changed_at, well_known, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        input.loginName,
        input.name,
        input.memberId,
        input.passwordHash,
        input.mustChangePassword,
        input.passwordHash === null ? null : now,
        input.wellKnown ?? false,
        now,
      ],
    );
    const id = inserted[0]?.id;
    if (id === undefined) return null;
    for (const grant of input.grants) await this.grant(tx, id, grant.role, grant.orgUnitId);
    return id;
  }

  /** Whether another user is this member already. */
  async userOfMember(
    memberId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | null> {
    const [row] = await manager.query<{ id: string }[]>(
      `SELECT id FROM users WHERE member_id = $1`,
      [memberId],
    );
    return row?.id ?? null;
  }

  /**
   * Makes a seeded user well known (the api refuses NODE_ENV=production while such credentials
   * are valid): its login name and password hash, and every token it has.
   */
  async markWellKnown(
    tx: EntityManager,
    userId: string,
    loginName: string,
    passwordHash: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE users SET login_name = $2, password_hash = $3, password_changed_at = now(),
                        well_known = true WHERE id = $1`,
      [userId, loginName, passwordHash],
    );
    await tx.query(`UPDATE api_tokens SET well_known = true WHERE user_id = $1`, [userId]);
  }

  /** Raises the version when it is `version`; false when stale (nothing changed). */
  async bump(
    tx: EntityManager,
    id: string,
    version: number,
    set = '',
    params: unknown[] = [],
  ): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `UPDATE users SET version = version + 1, updated_at = $3${set}
        WHERE id = $1 AND version = $2 RETURNING id`,
      [id, version, new Date(this.clock.now()), ...params],
    );
    return rowsOf(rows).length === 1;
  }

  async grant(tx: EntityManager, userId: string, role: Role, orgUnitId: string): Promise<boolean> {
    const rows = await tx.query<{ user_id: string }[]>(
      `INSERT INTO user_roles (user_id, role, org_unit_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [userId, role, orgUnitId],
    );
    return rows.length === 1;
  }

  async ungrant(
    tx: EntityManager,
    userId: string,
    role: Role,
    orgUnitId: string,
  ): Promise<boolean> {
    const rows = await tx.query<{ user_id: string }[]>(
      `DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND org_unit_id = $3 RETURNING user_id`,
      [userId, role, orgUnitId],
    );
    return rowsOf(rows).length === 1;
  }

  /** Disables a user and revokes their sessions and tokens; false when already disabled. */
  async disable(tx: EntityManager, userId: string): Promise<boolean> {
    const now = new Date(this.clock.now());
    const rows = await tx.query<{ id: string }[]>(
      `UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL RETURNING id`,
      [userId, now],
    );
    if (rowsOf(rows).length === 0) return false;
    await this.revokeAllOf(tx, userId, null);
    return true;
  }

  /** Revokes every open session (but `keepSessionId`) and token of a user. */
  async revokeAllOf(
    tx: EntityManager,
    userId: string,
    keepSessionId: string | null,
    tokens = true,
  ): Promise<void> {
    const now = new Date(this.clock.now());
    await tx.query(
      `UPDATE sessions SET revoked_at = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $3::uuid`,
      [userId, now, keepSessionId],
    );
    if (tokens) {
      await tx.query(
        `UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId, now],
      );
    }
  }

  // --- log-in --------------------------------------------------------------------------

  async loginCandidate(loginName: string): Promise<LoginCandidate | null> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        login_name: string;
        password_hash: string | null;
        disabled: boolean;
        locked_until: Date | null;
        must_change_password: boolean;
      }[]
    >(
      `SELECT id, login_name, password_hash, disabled_at IS NOT NULL AS disabled, locked_until,
              must_change_password
         FROM users WHERE login_name = $1`,
      [loginName],
    );
    if (!row) return null;
    return {
      id: row.id,
      loginName: row.login_name,
      passwordHash: row.password_hash,
      disabled: row.disabled,
      lockedUntil: row.locked_until?.getTime() ?? null,
      mustChangePassword: row.must_change_password,
    };
  }

  /**
   * Counts a failed log-in; at `limit` failures in a row the account is locked for `lockMs`
   * (and the count starts again). Answers when the lock ends, or null.
   */
  async loginFailed(userId: string, limit: number, lockMs: number): Promise<number | null> {
    const now = this.clock.now();
    const [row] = rowsOf(
      await this.dataSource.query<{ locked_until: Date | null }[]>(
        `UPDATE users
          SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
              locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
        WHERE id = $1 RETURNING locked_until`,
        [userId, limit, new Date(now + lockMs)],
      ),
    );
    const until = row?.locked_until?.getTime() ?? null;
    return until !== null && until > now ? until : null;
  }

  async loginSucceeded(userId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE users SET failed_logins = 0, locked_until = NULL
        WHERE id = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)`,
      [userId],
    );
  }

  /** Sets a new password hash; clears must_change_password and the well-known mark. */
  async setPassword(
    tx: EntityManager,
    userId: string,
    passwordHash: string,
    mustChange: boolean,
  ): Promise<void> {
    const now = new Date(this.clock.now());
    await tx.query(
      `UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4,
                        well_known = false, failed_logins = 0, locked_until = NULL,
                        version = version + 1, updated_at = $4
        WHERE id = $1`,
      [userId, passwordHash, mustChange, now],
    );
  }

  async passwordHash(
    userId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | null> {
    const [row] = await manager.query<{ password_hash: string | null }[]>(
      `SELECT password_hash FROM users WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    return row?.password_hash ?? null;
  }

  // --- sessions ------------------------------------------------------------------------

  /** Opens a session; answers its token (shown once) and id. */
  async openSession(
    tx: EntityManager,
    userId: string,
    maxMs: number,
    client: { userAgent: string | null; address: string | null },
  ): Promise<{ token: string; sessionId: string; expiresAt: number }> {
    const token = generateSessionToken();
    const now = this.clock.now();
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, user_agent, address)
       VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id`,
      [
        userId,
        hashSessionToken(token),
        new Date(now),
        new Date(now + maxMs),
        client.userAgent?.slice(0, 256) ?? null,
        client.address?.slice(0, 64) ?? null,
      ],
    );
    return { token, sessionId: row.id, expiresAt: now + maxMs };
  }

  /**
   * The principal of a session token, or null (unknown, revoked, past its absolute expiry,
   * idle longer than `idleMs`, user disabled). Marks it seen (at most once a minute).
   */
  async sessionPrincipal(token: string, idleMs: number): Promise<SessionPrincipal | null> {
    const now = this.clock.now();
    const [row] = await this.dataSource.query<
      { id: string; user_id: string; must_change_password: boolean; last_seen_at: Date }[]
    >(
      `SELECT s.id, s.user_id, u.must_change_password, s.last_seen_at
         FROM sessions s JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
          AND s.last_seen_at > $3`,
      [hashSessionToken(token), new Date(now), new Date(now - idleMs)],
    );
    if (!row) return null;
    if (now - row.last_seen_at.getTime() > 60_000) {
      await this.dataSource.query(`UPDATE sessions SET last_seen_at = $2 WHERE id = $1`, [
        row.id,
        new Date(now),
      ]);
    }
    const principal = await this.principalOf(row.user_id);
    if (!principal) return null;
    return { principal, sessionId: row.id, mustChangePassword: row.must_change_password };
  }

  /** Revokes one session; false when it was revoked already. */
  async revokeSession(tx: EntityManager, sessionId: string): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [sessionId, new Date(this.clock.now())],
    );
    return rowsOf(rows).length === 1;
  }

  /** A user with their grants, or null when there is none or they are disabled. */
  async principalOf(userId: string): Promise<Principal | null> {
    const user = await this.user(userId, null);
    if (!user || user.disabled) return null;
    return { userId: user.id, name: user.name, memberId: user.memberId, grants: user.grants };
  }

  // --- machine tokens ------------------------------------------------------------------

  /** Tokens of users in the scope `paths` (null: all), newest first. */
  async tokens(
    paths: readonly string[] | null,
    page: { offset: number; limit: number },
    filter: { userId?: string; active?: boolean } = {},
  ): Promise<{ items: MachineToken[]; total: number }> {
    const rows = await this.dataSource.query<(TokenRow & { total: number })[]>(
      `SELECT t.id, t.user_id, u.name AS user_name, t.label, t.created_at, t.expires_at,
              t.revoked_at, t.last_used_at, t.well_known, count(*) OVER ()::int AS total
         FROM api_tokens t JOIN ${USER_FROM} ON u.id = t.user_id
        WHERE ($1::text[] IS NULL OR ${IN_SCOPE})
          AND ($4::uuid IS NULL OR t.user_id = $4)
          AND (NOT $5 OR (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $6)))
        ORDER BY t.created_at DESC, t.id OFFSET $2 LIMIT $3`,
      [
        paths,
        page.offset,
        page.limit,
        filter.userId ?? null,
        filter.active ?? false,
        new Date(this.clock.now()),
      ],
    );
    return { items: rows.map(toToken), total: rows[0]?.total ?? 0 };
  }

  /** One token (with its user), optionally only when its user is in the scope `paths`. */
  async token(
    id: string,
    paths: readonly string[] | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<MachineToken | null> {
    const rows = await manager.query<TokenRow[]>(
      `SELECT t.id, t.user_id, u.name AS user_name, t.label, t.created_at, t.expires_at,
              t.revoked_at, t.last_used_at, t.well_known
         FROM api_tokens t JOIN ${USER_FROM} ON u.id = t.user_id
        WHERE t.id = $2 AND ($1::text[] IS NULL OR ${IN_SCOPE})`,
      [paths, id],
    );
    return rows[0] ? toToken(rows[0]) : null;
  }

  /**
   * Issues a machine token (returned once, stored as a hash). With a label, a second active
   * token of the same user and label is refused (null): a double submit has one effect.
   */
  async issueToken(
    tx: EntityManager,
    input: {
      userId: string;
      label: string | null;
      expiresAt: number | null;
      value?: string;
      wellKnown?: boolean;
    },
  ): Promise<{ id: string; token: string } | null> {
    const now = new Date(this.clock.now());
    if (input.label !== null) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('api-token:' || $1))`, [input.userId]);
      const [taken] = await tx.query<{ id: string }[]>(
        `SELECT id FROM api_tokens WHERE user_id = $1 AND label = $2 AND revoked_at IS NULL
            AND (expires_at IS NULL OR expires_at > $3)`,
        [input.userId, input.label, now],
      );
      if (taken) return null;
    }
    if (
      input.value !== undefined &&
      (!input.value.startsWith(TOKEN_PREFIX) || input.value.length < 16)
    ) {
      throw new Error(`a token must start with '${TOKEN_PREFIX}' and be at least 16 characters`);
    }
    const token = input.value ?? generateToken();
    const [row] = await tx.query<{ id: string }[]>(
      `INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at, well_known)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        input.userId,
        hashToken(token),
        input.label,
        now,
        input.expiresAt === null ? null : new Date(input.expiresAt),
        input.wellKnown ?? false,
      ],
    );
    return { id: row.id, token };
  }

  /** Revokes a token; false when it was revoked already. */
  async revokeToken(tx: EntityManager, id: string): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [id, new Date(this.clock.now())],
    );
    return rowsOf(rows).length === 1;
  }

  /** Marks a machine token used (at most once a minute). */
  async tokenUsed(token: string): Promise<void> {
    const now = new Date(this.clock.now());
    await this.dataSource.query(
      `UPDATE api_tokens SET last_used_at = $2
        WHERE token_hash = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [hashToken(token), now],
    );
  }

  // --- well-known development credentials ---------------------------------------------

  /**
   * The well-known development credentials still valid: tokens marked well known (not
   * revoked, not expired, user enabled) and users whose password is still the seeded one.
   */
  async wellKnownCredentials(manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows = await manager.query<{ what: string }[]>(
      `SELECT 'token ' || coalesce(t.label, t.id::text) || ' (user ' || u.name || ')' AS what
         FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.disabled_at IS NULL
        WHERE t.well_known AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $1)
       UNION ALL
       SELECT 'password of ' || u.login_name AS what FROM users u
        WHERE u.well_known AND u.password_hash IS NOT NULL AND u.disabled_at IS NULL
       ORDER BY what`,
      [new Date(this.clock.now())],
    );
    return rows.map((row) => row.what);
  }

  /**
   * The users who can still log in with the seeded well-known password (enabled, a login
   * name, the password unchanged), by login name: the sample organisation's log-ins while it
   * is loaded and not revoked.
   */
  async wellKnownUsers(): Promise<UserAccount[]> {
    const rows = await this.dataSource.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM ${USER_FROM}
        WHERE u.well_known AND u.password_hash IS NOT NULL AND u.disabled_at IS NULL
          AND u.login_name IS NOT NULL
        ORDER BY u.login_name LIMIT 200`,
    );
    return rows.map(toUser);
  }

  /**
   * Revokes every well-known credential: the tokens, and the seeded passwords (the users keep
   * their roles but cannot log in until an admin sets a password); their sessions end.
   */
  async revokeWellKnown(tx: EntityManager): Promise<{ tokens: number; passwords: number }> {
    const now = new Date(this.clock.now());
    const tokens = await tx.query<{ id: string }[]>(
      `UPDATE api_tokens SET revoked_at = $1 WHERE well_known AND revoked_at IS NULL RETURNING id`,
      [now],
    );
    const users = await tx.query<{ id: string }[]>(
      `UPDATE users SET password_hash = NULL, well_known = false, version = version + 1, updated_at = $1
        WHERE well_known AND password_hash IS NOT NULL RETURNING id`,
      [now],
    );
    const ids = rowsOf(users).map((row) => row.id);
    if (ids.length > 0) {
      await tx.query(
        `UPDATE sessions SET revoked_at = $2 WHERE user_id = ANY($1::uuid[]) AND revoked_at IS NULL`,
        [ids, now],
      );
    }
    return { tokens: rowsOf(tokens).length, passwords: ids.length };
  }
}

/** UPDATE … RETURNING through TypeORM answers [rows, count]; INSERT/SELECT answer rows. */
function rowsOf<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? result[0] : (result as T[]);
}

function toUser(row: UserRow): UserAccount {
  return {
    id: row.id,
    loginName: row.login_name,
    name: row.name,
    memberId: row.member_id,
    memberUnitId: row.member_unit_id,
    memberPath: row.member_path,
    disabled: row.disabled,
    mustChangePassword: row.must_change_password,
    hasPassword: row.has_password,
    wellKnown: row.well_known,
    grants: row.grants,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toToken(row: TokenRow): MachineToken {
  return {
    id: row.id,
    userId: row.user_id,
    userName: row.user_name,
    label: row.label,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    wellKnown: row.well_known,
  };
}
