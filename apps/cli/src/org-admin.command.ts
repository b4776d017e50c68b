import { parseArgs } from 'node:util';
import {
  MEMBER_GENDERS,
  MEMBER_STATUSES,
  type MemberGender,
  type MemberStatus,
  MembersRepository,
  OPERATOR_ACTOR,
  ORG_UNIT_KINDS,
  OrgException,
  type OrgUnitKind,
  UnitsRepository,
  maskPhone,
} from '@app/org';
import { systemClock } from '@app/store';
import { type Database, withDatabase } from './database.js';

/**
 * The operator's verbs for administering the organisation (issue 14): `org add|rename|move|
 * close` and `member add|list|transfer`. They act as the operator on the machine (audited as
 * OPERATOR_ACTOR, like `user create`), through the same repositories as the api, so the same
 * checks apply. Bad input: one line naming it on stderr, exit 2.
 */

const USAGE = {
  add: 'usage: cli org add --id ID --name NAME --kind KIND [--parent PARENT_ID] (no parent: a root committee)',
  rename: 'usage: cli org rename ID --name NAME',
  move: 'usage: cli org move ID --to PARENT_ID',
  close: 'usage: cli org close ID',
  memberAdd:
    'usage: cli member add --org UNIT --name NAME [--gender male|female] [--birth YYYY-MM-DD] [--admitted YYYY-MM-DD] [--full YYYY-MM-DD] [--status STATUS] [--number 党员编号] [--phone PHONE]',
  memberList: 'usage: cli member list [--org UNIT] [--q TEXT] [--status STATUS[,STATUS...]]',
  memberTransfer: 'usage: cli member transfer MEMBER_ID --to UNIT --reason TEXT',
};

class UsageError extends Error {}

type Verb = (args: readonly string[]) => Promise<number>;
type Options = Parameters<typeof parseArgs>[0] extends infer C
  ? C extends { options?: infer O }
    ? O
    : never
  : never;

/** Parses `args` (strict); one positional when `positional` names it. */
function parse(
  args: readonly string[],
  options: NonNullable<Options>,
  positional?: string,
): { values: Record<string, string | undefined>; id?: string } {
  let result;
  try {
    result = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const positionals = result.positionals;
  if (positional === undefined && positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  if (positional !== undefined && positionals.length !== 1) {
    throw new UsageError(`expected one ${positional}`);
  }
  return { values: result.values as Record<string, string | undefined>, id: positionals[0] };
}

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (value === undefined || value.trim() === '') throw new UsageError(`missing --${name}`);
  return value;
}

/** What a verb does once its arguments are checked: the work that needs the database. */
type Work = (db: Database) => Promise<number>;

/**
 * A verb: `body` checks the arguments (a number is an early exit) and answers the work; a
 * UsageError or any OrgException (the repositories' refusals) is one line and exit 2.
 */
function verb(usage: string, body: (args: readonly string[]) => number | Work): Verb {
  return async (args) => {
    try {
      const work = body(args);
      return typeof work === 'number' ? work : await withDatabase(work);
    } catch (error) {
      if (error instanceof UsageError) return refuse(`${error.message} (${usage})`);
      if (error instanceof OrgException) return refuse(error.message);
      throw error;
    }
  };
}

function refuse(message: string): number {
  process.stderr.write(`${message}\n`);
  return 2;
}

const units = (db: Database) => new UnitsRepository(db.dataSource, systemClock);
const members = (db: Database) => new MembersRepository(db.dataSource, systemClock);

async function currentUnit(db: Database, id: string) {
  const unit = await units(db).find(id);
  if (!unit) throw new UsageError(`unknown org unit '${id}' (see: cli org list)`);
  return unit;
}

export const ORG_VERBS: Record<string, Verb> = {
  add: verb(USAGE.add, (args) => {
    const { values } = parse(args, {
      id: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      parent: { type: 'string' },
    });
    const id = required(values, 'id');
    const name = required(values, 'name');
    const kind = required(values, 'kind');
    // no --parent: a root of the tree (only a committee may be one; the repository checks)
    const parent = values.parent === undefined ? null : required(values, 'parent');
    if (!(ORG_UNIT_KINDS as readonly string[]).includes(kind)) {
      return refuse(`unknown kind '${kind}' (kinds: ${ORG_UNIT_KINDS.join(', ')})`);
    }
    return async (db) => {
      if (parent !== null) await currentUnit(db, parent);
      const unit = await units(db).create(
        { id, parentId: parent, kind: kind as OrgUnitKind, name },
        OPERATOR_ACTOR,
      );
      process.stdout.write(`created org unit ${unit.id} (${unit.kind}) at ${unit.path}\n`);
      return 0;
    };
  }),
  rename: verb(USAGE.rename, (args) => {
    const { values, id } = parse(args, { name: { type: 'string' } }, 'ID');
    const name = required(values, 'name');
    return async (db) => {
      const unit = await currentUnit(db, id!);
      const renamed = await units(db).rename(unit.id, name, unit.version, OPERATOR_ACTOR);
      process.stdout.write(`renamed org unit ${renamed.id} to '${renamed.name}'\n`);
      return 0;
    };
  }),
  move: verb(USAGE.move, (args) => {
    const { values, id } = parse(args, { to: { type: 'string' } }, 'ID');
    const to = required(values, 'to');
    return async (db) => {
      const unit = await currentUnit(db, id!);
      await currentUnit(db, to);
      const { unit: moved, moved: count } = await units(db).move(
        unit.id,
        to,
        unit.version,
        OPERATOR_ACTOR,
      );
      process.stdout.write(`moved org unit ${moved.id} to ${moved.path} (${count} unit(s))\n`);
      return 0;
    };
  }),
  close: verb(USAGE.close, (args) => {
    const { id } = parse(args, {}, 'ID');
    return async (db) => {
      const unit = await currentUnit(db, id!);
      await units(db).close(unit.id, unit.version, OPERATOR_ACTOR);
      process.stdout.write(`closed org unit ${unit.id}\n`);
      return 0;
    };
  }),
};

export const MEMBER_VERBS: Record<string, Verb> = {
  add: verb(USAGE.memberAdd, (args) => {
    const { values } = parse(args, {
      org: { type: 'string' },
      name: { type: 'string' },
      gender: { type: 'string' },
      birth: { type: 'string' },
      admitted: { type: 'string' },
      full: { type: 'string' },
      status: { type: 'string' },
      number: { type: 'string' },
      phone: { type: 'string' },
    });
    const org = required(values, 'org');
    const name = required(values, 'name');
    const status = values.status ?? 'full';
    if (!(MEMBER_STATUSES as readonly string[]).includes(status)) {
      return refuse(`unknown status '${status}' (statuses: ${MEMBER_STATUSES.join(', ')})`);
    }
    const gender = values.gender;
    if (gender !== undefined && !(MEMBER_GENDERS as readonly string[]).includes(gender)) {
      return refuse(`unknown gender '${gender}' (${MEMBER_GENDERS.join(', ')})`);
    }
    return async (db) => {
      await currentUnit(db, org);
      const member = await members(db).create(
        {
          orgUnitId: org,
          name,
          status: status as MemberStatus,
          gender: (gender ?? null) as MemberGender | null,
          birthDate: values.birth ?? null,
          admissionDate: values.admitted ?? null,
          fullMemberDate: values.full ?? null,
          partyNumber: values.number ?? null,
          phone: values.phone ?? null,
        },
        OPERATOR_ACTOR,
      );
      process.stdout.write(`${member.id}\n`);
      process.stderr.write(`created member '${member.name}' in ${member.orgUnitId}\n`);
      return 0;
    };
  }),
  list: verb(USAGE.memberList, (args) => {
    const { values } = parse(args, {
      org: { type: 'string' },
      q: { type: 'string' },
      status: { type: 'string' },
    });
    const statuses =
      values.status === undefined ? undefined : values.status.split(',').map((s) => s.trim());
    const unknown = statuses?.find((s) => !(MEMBER_STATUSES as readonly string[]).includes(s));
    if (unknown !== undefined) {
      return refuse(`unknown status '${unknown}' (statuses: ${MEMBER_STATUSES.join(', ')})`);
    }
    return async (db) => {
      const under = values.org === undefined ? undefined : (await currentUnit(db, values.org)).path;
      const lines: string[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await members(db).list({
          scopes: null,
          under,
          q: values.q,
          statuses: statuses as MemberStatus[] | undefined,
          offset,
          limit: 500,
        });
        for (const m of page.items) {
          lines.push(
            [
              m.id,
              m.orgUnitId,
              m.status,
              m.partyNumber ?? '-',
              maskPhone(m.phone) ?? '-',
              m.name,
            ].join('  '),
          );
        }
        if (offset + 500 >= page.total) break;
      }
      if (lines.length === 0) process.stderr.write('no members match\n');
      else process.stdout.write(`ID  UNIT  STATUS  NUMBER  PHONE  NAME\n${lines.join('\n')}\n`);
      return 0;
    };
  }),
  transfer: verb(USAGE.memberTransfer, (args) => {
    const { values, id } = parse(
      args,
      { to: { type: 'string' }, reason: { type: 'string' } },
      'MEMBER_ID',
    );
    const to = required(values, 'to');
    const reason = required(values, 'reason');
    return async (db) => {
      const member = await members(db).find(id!);
      if (!member) throw new UsageError(`unknown member '${id}' (see: cli member list)`);
      await currentUnit(db, to);
      const moved = await members(db).transfer(
        member.id,
        to,
        reason,
        member.version,
        OPERATOR_ACTOR,
      );
      process.stdout.write(
        `transferred member ${moved.id} from ${member.orgUnitId} to ${moved.orgUnitId}\n`,
      );
      return 0;
    };
  }),
};
