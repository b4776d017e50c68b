import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  AccountsRepository,
  LOGIN_NAME,
  OPERATOR_ACTOR,
  OrgException,
  OrgExceptionCode,
  ROLES,
  type Role,
  UnitsRepository,
  hashPassword,
  passwordProblem,
} from '@app/org';
import { systemClock } from '@app/store';
import { TOKEN_VERBS, USER_VERBS } from './accounts.command.js';
import { type Database, withDatabase } from './database.js';
import { MEMBER_VERBS, ORG_VERBS } from './org-admin.command.js';

export const USER_USAGE =
  'usage: cli user create --name NAME --role ROLE --org ORG_UNIT_ID [--role ROLE --org ORG_UNIT_ID ...] [--member MEMBER_ID] [--login LOGIN_NAME [--password PASSWORD | --password-stdin] | --label LABEL]';
export const TOKEN_USAGE = 'usage: cli token issue --user USER_ID [--label LABEL]';
export const ORG_USAGE =
  'usage: cli org list | org add --id ID --name NAME --kind KIND [--parent ID] | org rename ID --name NAME | org move ID --to PARENT_ID | org close ID';
export const MEMBER_USAGE =
  'usage: cli member add --org UNIT --name NAME [--gender male|female] [--birth DATE] [--admitted DATE] [--full DATE] [--status STATUS] [--number 党员编号] [--phone PHONE] | member list [--org UNIT] [--q TEXT] | member transfer MEMBER_ID --to UNIT --reason TEXT';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bad input: exit 2 with one line naming what is wrong. */
class UsageError extends Error {}

function refuse(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

/** Runs node:util parseArgs; its refusals become UsageErrors. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    // node:util names the problem: "Unknown option '--x'", "Option '--name <value>' argument missing"
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs a command body; a UsageError or an operator-facing OrgException becomes exit 2. */
async function guarded(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) return refuse(`${error.message} (${usage})`);
    if (error instanceof OrgException && error.code !== OrgExceptionCode.UNIT_EXISTS) {
      return refuse(error.message);
    }
    throw error;
  }
}

function printToken(token: string, note: string): void {
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `${note}\nThe token above is shown once: only its hash is stored. Keep it now.\n`,
  );
}

/**
 * `user create --name NAME --role ROLE --org UNIT [--role ROLE --org UNIT ...] [--member ID]
 * [--label LABEL]`: a user with one grant per `--role`/`--org` pair (in order) and a first
 * token, printed alone on stdout.
 */
export async function userCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && Object.hasOwn(USER_VERBS, sub)) return USER_VERBS[sub](rest);
  if (sub !== 'create') return refuse(USER_USAGE);
  return guarded(USER_USAGE, async () => {
    const { values } = parsed(() =>
      parseArgs({
        args: rest,
        options: {
          name: { type: 'string' },
          role: { type: 'string', multiple: true },
          org: { type: 'string', multiple: true },
          member: { type: 'string' },
          label: { type: 'string' },
          login: { type: 'string' },
          password: { type: 'string' },
          'password-stdin': { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }),
    );
    const name = values.name?.trim();
    if (!name) throw new UsageError('missing --name');
    const roles = values.role ?? [];
    const orgs = values.org ?? [];
    if (roles.length === 0) throw new UsageError('missing --role');
    for (const role of roles) {
      if (!(ROLES as readonly string[]).includes(role)) {
        return refuse(`unknown role '${role}' (roles: ${ROLES.join(', ')})`);
      }
    }
    if (orgs.length === 0) throw new UsageError('missing --org');
    if (orgs.length !== roles.length) {
      throw new UsageError(
        `each --role needs its own --org (got ${roles.length} --role and ${orgs.length} --org)`,
      );
    }
    const member = values.member;
    if (member !== undefined && !UUID.test(member)) {
      return refuse(`--member '${member}' is not a member id (a uuid)`);
    }
    const login = values.login;
    if (login === undefined) {
      if (values.password !== undefined || values['password-stdin'] === true) {
        throw new UsageError('--password needs --login (a token-only user has no password)');
      }
    } else {
      if (!LOGIN_NAME.test(login)) {
        return refuse(
          `--login '${login.slice(0, 64)}' must be 2 to 64 lower-case letters, digits, '.', '_' or '-'`,
        );
      }
      if (values.label !== undefined) {
        throw new UsageError('--label names a token: a user with --login gets a password instead');
      }
      if (values.password !== undefined && values['password-stdin'] === true) {
        throw new UsageError('give --password or --password-stdin, not both');
      }
    }
    const given =
      values['password-stdin'] === true ? await readPasswordFromStdin() : values.password;
    if (login !== undefined && given !== undefined) {
      const weak = passwordProblem(given, login);
      if (weak !== null) return refuse(`the password ${weak}`);
    }
    return withDatabase(async ({ dataSource, directory }) => {
      for (const org of orgs) {
        if (!(await directory.findUnit(org))) {
          return refuse(`unknown org unit '${org}' (see: cli org list)`);
        }
      }
      if (member !== undefined) {
        const accounts = new AccountsRepository(dataSource, systemClock);
        const linkedId = await accounts.userOfMember(member);
        const linked = linkedId === null ? null : await accounts.user(linkedId, null);
        if (linked) {
          return refuse(`member '${member}' is already user '${linked.name}' (${linked.id})`);
        }
      }
      const grants = roles.map((role, i) => ({ role: role as Role, orgUnitId: orgs[i] }));
      if (login !== undefined) {
        return createLogin(dataSource, { name, login, password: given, member, grants });
      }
      const { userId, token } = await directory.createUser({
        name,
        memberId: member ?? null,
        grants,
        tokenLabel: values.label,
      });
      printToken(
        token,
        `created user ${userId} '${name}': ${grants.map((g) => `${g.role} on ${g.orgUnitId}`).join(', ')}`,
      );
      return 0;
    });
  });
}

/** The first line of stdin (a password piped in, so it stays out of the shell's history). */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 4096) break;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.split(/\r?\n/, 1)[0] ?? '';
}

/**
 * A person's account: a login name and a password (hashed with scrypt), which they must change
 * at their first log-in (`POST /api/auth/login` answers mustChangePassword, then
 * `POST /api/auth/password`). Without --password one is generated and printed once, alone on
 * stdout. No token: people log in. Audited as the operator, as the api audits an admin.
 */
async function createLogin(
  dataSource: Database['dataSource'],
  input: {
    name: string;
    login: string;
    password: string | undefined;
    member: string | undefined;
    grants: { role: Role; orgUnitId: string }[];
  },
): Promise<number> {
  const generated = input.password === undefined ? randomBytes(12).toString('base64url') : null;
  const password = input.password ?? generated!;
  const hash = await hashPassword(password);
  const accounts = new AccountsRepository(dataSource, systemClock);
  const userId = await accounts.transaction(async (tx) => {
    const created = await accounts.insertUser(tx, {
      loginName: input.login,
      name: input.name,
      memberId: input.member ?? null,
      passwordHash: hash,
      mustChangePassword: true,
      grants: input.grants,
    });
    if (created === null) return null;
    await accounts.audit(tx, 'org.user.created', OPERATOR_ACTOR, {
      userId: created,
      loginName: input.login,
      name: input.name,
      memberId: input.member ?? null,
      grants: input.grants,
    });
    return created;
  });
  if (userId === null) return refuse(`the login name '${input.login}' is taken`);
  const roles = input.grants.map((g) => `${g.role} on ${g.orgUnitId}`).join(', ');
  if (generated !== null) {
    process.stdout.write(`${generated}\n`);
    process.stderr.write(
      `created user ${userId} '${input.name}' (login ${input.login}): ${roles}\n` +
        'The password above is shown once; it must be changed at the first log-in.\n',
    );
  } else {
    process.stderr.write(
      `created user ${userId} '${input.name}' (login ${input.login}): ${roles}; the password must be changed at the first log-in\n`,
    );
  }
  return 0;
}

/** `token issue --user USER_ID [--label LABEL]`: another token for an existing user. */
export async function tokenCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && Object.hasOwn(TOKEN_VERBS, sub)) return TOKEN_VERBS[sub](rest);
  if (sub !== 'issue') return refuse(TOKEN_USAGE);
  return guarded(TOKEN_USAGE, async () => {
    const { values } = parsed(() =>
      parseArgs({
        args: rest,
        options: { user: { type: 'string' }, label: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      }),
    );
    const userId = values.user;
    if (!userId) throw new UsageError('missing --user');
    if (!UUID.test(userId)) return refuse(`--user '${userId}' is not a user id (a uuid)`);
    return withDatabase(async ({ dataSource, directory }) => {
      const accounts = new AccountsRepository(dataSource, systemClock);
      const token = await dataSource.transaction(async (tx) => {
        const user = await accounts.user(userId, null, tx, true);
        if (!user) throw new OrgException(OrgExceptionCode.USER_NOT_FOUND, `no user '${userId}'`);
        if (user.disabled) {
          throw new OrgException(OrgExceptionCode.USER_NOT_FOUND, `user '${userId}' is disabled`);
        }
        const issued = await directory.issueToken(userId, values.label ?? null, tx);
        await appendAudit(tx, SYSTEM_STREAM, [
          {
            type: 'org.token.issued',
            actor: OPERATOR_ACTOR,
            at: systemClock.now(),
            data: { userId, label: values.label ?? null },
          },
        ]);
        return issued;
      });
      printToken(token, `issued a token for user ${userId}`);
      return 0;
    });
  });
}

/** `org list`: the tree, one unit a line, with its kind and the members in its subtree. */
export async function orgCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && Object.hasOwn(ORG_VERBS, sub)) return ORG_VERBS[sub](rest);
  if (sub !== 'list' || rest.length > 0) return refuse(ORG_USAGE);
  return withDatabase(async (db) => {
    const lines = await orgTree(db);
    if (lines.length === 0) {
      process.stderr.write('no org units yet (`npm run seed` writes the sample organisation)\n');
      return 0;
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}

async function orgTree({ dataSource }: Database): Promise<string[]> {
  const rows = await new UnitsRepository(dataSource, systemClock).treeWithMemberCounts();
  if (rows.length === 0) return [];
  const label = (row: (typeof rows)[number]) =>
    `${'  '.repeat(row.path.split('/').length - 3)}${row.id}`;
  const width = Math.max('UNIT'.length, ...rows.map((row) => label(row).length));
  const kindWidth = Math.max(...rows.map((row) => row.kind.length));
  return [
    `${'UNIT'.padEnd(width)}  ${'KIND'.padEnd(kindWidth)}  MEMBERS  NAME`,
    ...rows.map(
      (row) =>
        `${label(row).padEnd(width)}  ${row.kind.padEnd(kindWidth)}  ${String(row.members).padStart(7)}  ${row.name}`,
    ),
  ];
}

/**
 * `member add|list|transfer`: administering members as the operator (audited as
 * OPERATOR_ACTOR); see org-admin.command.ts.
 */
export async function memberCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== undefined && Object.hasOwn(MEMBER_VERBS, sub)) return MEMBER_VERBS[sub](rest);
  return refuse(MEMBER_USAGE);
}
