import { parseArgs } from 'node:util';
import { AccountsRepository, OPERATOR_ACTOR } from '@app/org';
import { systemClock } from '@app/store';
import { withDatabase } from './database.js';

export const USER_ACCOUNT_USAGE = 'usage: cli user list [--org UNIT] | user disable --user USER_ID';
export const TOKEN_ACCOUNT_USAGE =
  'usage: cli token list [--user USER_ID] [--active] | token revoke --token TOKEN_ID | token revoke --well-known';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bad input: exit 2 with one line naming what is wrong. */
function refuse(message: string, usage?: string): number {
  process.stderr.write(`${message}${usage === undefined ? '' : ` (${usage})`}\n`);
  return 2;
}

function parse(
  args: readonly string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
  usage: string,
): Record<string, string | boolean | undefined> | number {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error), usage);
  }
}

/** `user list [--org UNIT]`: one user a line (id, login name, state, grants, name). */
async function userList(args: readonly string[]): Promise<number> {
  const values = parse(args, { org: { type: 'string' } }, USER_ACCOUNT_USAGE);
  if (typeof values === 'number') return values;
  return withDatabase(async ({ dataSource, directory }) => {
    let scope: string[] | null = null;
    if (typeof values.org === 'string') {
      const unit = await directory.findUnit(values.org);
      if (!unit) return refuse(`unknown org unit '${values.org}' (see: cli org list)`);
      scope = [unit.path];
    }
    const accounts = new AccountsRepository(dataSource, systemClock);
    const { items } = await accounts.users(scope, { offset: 0, limit: 100_000 });
    for (const user of items) {
      const grants = user.grants.map((g) => `${g.role}@${g.orgUnitId}`).join(',') || '-';
      const state = user.disabled ? 'disabled' : user.mustChangePassword ? 'must-change' : 'active';
      process.stdout.write(
        `${user.id}  ${user.loginName ?? '-'}  ${state}  ${grants}  ${user.name}\n`,
      );
    }
    return 0;
  });
}

/** `user disable --user ID`: disables the user, ends their sessions and revokes their tokens. */
async function userDisable(args: readonly string[]): Promise<number> {
  const values = parse(args, { user: { type: 'string' } }, USER_ACCOUNT_USAGE);
  if (typeof values === 'number') return values;
  const userId = values.user;
  if (typeof userId !== 'string') return refuse('missing --user', USER_ACCOUNT_USAGE);
  if (!UUID.test(userId)) return refuse(`--user '${userId}' is not a user id (a uuid)`);
  return withDatabase(async ({ dataSource }) => {
    const accounts = new AccountsRepository(dataSource, systemClock);
    const outcome = await accounts.transaction(async (tx) => {
      const user = await accounts.user(userId, null, tx, true);
      if (!user) return 'missing';
      if (!(await accounts.disable(tx, userId))) return 'already';
      // the row is locked since it was read: its version is still the one read
      await accounts.bump(tx, userId, user.version);
      await accounts.audit(tx, 'org.user.disabled', OPERATOR_ACTOR, { userId });
      return 'done';
    });
    if (outcome === 'missing') return refuse(`no user '${userId}'`);
    if (outcome === 'already') return refuse(`user '${userId}' is disabled already`);
    process.stderr.write(`disabled user ${userId}: their sessions and tokens are revoked\n`);
    return 0;
  });
}

/** `token list [--user ID] [--active]`: tokens (never the token itself), newest first. */
async function tokenList(args: readonly string[]): Promise<number> {
  const values = parse(
    args,
    { user: { type: 'string' }, active: { type: 'boolean' } },
    TOKEN_ACCOUNT_USAGE,
  );
  if (typeof values === 'number') return values;
  const userId = values.user;
  if (typeof userId === 'string' && !UUID.test(userId)) {
    return refuse(`--user '${userId}' is not a user id (a uuid)`);
  }
  return withDatabase(async ({ dataSource }) => {
    const accounts = new AccountsRepository(dataSource, systemClock);
    const { items } = await accounts.tokens(
      null,
      { offset: 0, limit: 100_000 },
      { userId: typeof userId === 'string' ? userId : undefined, active: values.active === true },
    );
    for (const token of items) {
      const state = token.revokedAt
        ? 'revoked'
        : token.expiresAt !== null && Date.parse(token.expiresAt) <= systemClock.now()
          ? 'expired'
          : 'active';
      process.stdout.write(
        `${token.id}  ${state}  ${token.expiresAt ?? 'no-expiry'}  ${token.wellKnown ? 'well-known  ' : ''}${token.userName}  ${token.label ?? '-'}\n`,
      );
    }
    return 0;
  });
}

/**
 * `token revoke --token ID`: revokes one token. `token revoke --well-known`: revokes every
 * well-known development credential — the sample's `bf_dev_*` tokens and its users' seeded
 * password (they keep their roles; an admin sets them a password) — what the api needs before
 * it starts with NODE_ENV=production.
 */
async function tokenRevoke(args: readonly string[]): Promise<number> {
  const values = parse(
    args,
    { token: { type: 'string' }, 'well-known': { type: 'boolean' } },
    TOKEN_ACCOUNT_USAGE,
  );
  if (typeof values === 'number') return values;
  const tokenId = values.token;
  const wellKnown = values['well-known'] === true;
  if ((typeof tokenId === 'string') === wellKnown) {
    return refuse('give either --token TOKEN_ID or --well-known', TOKEN_ACCOUNT_USAGE);
  }
  if (typeof tokenId === 'string' && !UUID.test(tokenId)) {
    return refuse(`--token '${tokenId}' is not a token id (a uuid; see: cli token list)`);
  }
  return withDatabase(async ({ dataSource }) => {
    const accounts = new AccountsRepository(dataSource, systemClock);
    if (wellKnown) {
      const revoked = await accounts.transaction(async (tx) => {
        const counts = await accounts.revokeWellKnown(tx);
        if (counts.tokens + counts.passwords > 0) {
          await accounts.audit(tx, 'org.well_known.revoked', OPERATOR_ACTOR, { ...counts });
        }
        return counts;
      });
      process.stderr.write(
        `revoked ${revoked.tokens} well-known token(s) and ${revoked.passwords} well-known password(s)\n`,
      );
      return 0;
    }
    const outcome = await accounts.transaction(async (tx) => {
      const token = await accounts.token(tokenId as string, null, tx);
      if (!token) return 'missing';
      if (!(await accounts.revokeToken(tx, token.id))) return 'already';
      await accounts.audit(tx, 'org.token.revoked', OPERATOR_ACTOR, {
        tokenId: token.id,
        userId: token.userId,
      });
      return 'done';
    });
    if (outcome === 'missing') return refuse(`no token '${tokenId as string}'`);
    process.stderr.write(
      outcome === 'already'
        ? `token ${tokenId as string} was revoked already\n`
        : `revoked token ${tokenId as string}\n`,
    );
    return 0;
  });
}

export const USER_VERBS: Record<string, (args: readonly string[]) => Promise<number>> = {
  list: userList,
  disable: userDisable,
};

export const TOKEN_VERBS: Record<string, (args: readonly string[]) => Promise<number>> = {
  list: tokenList,
  revoke: tokenRevoke,
};
