import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  AccountsRepository,
  OPERATOR_ACTOR,
  type OrgDirectory,
  type Role,
  UnitsRepository,
  hashPassword,
} from '@app/org';
import type { Clock } from '@app/store';
import type { DataSource } from 'typeorm';
import { DEV_PASSWORD, sampleOrganisation } from './sample-organisation.js';

export interface SeededUser {
  readonly userId: string;
  readonly name: string;
  readonly grants: readonly { readonly role: Role; readonly orgUnitId: string }[];
  readonly token: string;
  readonly loginName: string;
}

export type SeedResult =
  | { readonly seeded: false; readonly units: number }
  | {
      readonly seeded: true;
      readonly units: number;
      readonly members: number;
      readonly users: readonly SeededUser[];
    };

/** Serialises concurrent seeds (two `npm start` at once): the second sees the first's units. */
const SEED_LOCK = 'branchflow:seed';

/**
 * Writes the sample organisation in one transaction (all or nothing), every unit, member and
 * user audited by the OrgDirectory, plus one `org.sample.seeded` event. Does nothing and returns
 * `seeded: false` when any org unit exists already: the seed only fills an empty organisation.
 */
export async function seedSampleOrganisation(
  dataSource: DataSource,
  directory: OrgDirectory,
  clock: Clock,
): Promise<SeedResult> {
  const sample = sampleOrganisation();
  // one salt per user; hashed before the transaction (scrypt is slow on purpose)
  const hashes = await Promise.all(sample.users.map(() => hashPassword(DEV_PASSWORD)));
  const accounts = new AccountsRepository(dataSource, clock);
  return dataSource.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [SEED_LOCK]);
    const existing = await new UnitsRepository(dataSource, clock).count(tx);
    if (existing > 0) return { seeded: false, units: existing };
    for (const unit of sample.units) await directory.createUnit(unit, tx);
    const memberIds = new Map<string, string>();
    for (const { ref, ...member } of sample.members) {
      memberIds.set(ref, (await directory.createMember(member, tx)).id);
    }
    const users: SeededUser[] = [];
    for (const user of sample.users) {
      const { userId, token } = await directory.createUser(
        {
          name: user.name,
          memberId: user.memberRef === null ? null : memberIds.get(user.memberRef)!,
          grants: user.grants,
          tokenLabel: user.label,
          token: user.token,
        },
        tx,
      );
      // well known: the api refuses NODE_ENV=production while they are valid
      await accounts.markWellKnown(tx, userId, user.loginName, hashes[users.length]);
      users.push({
        userId,
        name: user.name,
        grants: user.grants,
        token,
        loginName: user.loginName,
      });
    }
    await appendAudit(tx, SYSTEM_STREAM, [
      {
        type: 'org.sample.seeded',
        actor: OPERATOR_ACTOR,
        at: clock.now(),
        data: {
          units: sample.units.length,
          members: sample.members.length,
          users: users.length,
        },
      },
    ]);
    return {
      seeded: true,
      units: sample.units.length,
      members: sample.members.length,
      users,
    };
  });
}
