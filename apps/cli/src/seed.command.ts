import { parseArgs } from 'node:util';
import { systemClock } from '@app/store';
import { withDatabase } from './database.js';
import { DEV_PASSWORD } from './seed/sample-organisation.js';
import { seedSampleOrganisation } from './seed/seed.js';

const USAGE = 'usage: cli seed [--if-empty]';

/**
 * `seed [--if-empty]`: writes the sample organisation with its development tokens into an
 * empty database. On a database that has org units already: exit 1 (nothing changed), or with
 * `--if-empty` exit 0 and a note (what `npm start` runs; with SEED_SAMPLE_ON_START=false it
 * seeds nothing).
 */
export async function seedCommand(args: readonly string[]): Promise<number> {
  let ifEmpty: boolean;
  try {
    const { values } = parseArgs({
      args: [...args],
      options: { 'if-empty': { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    ifEmpty = values['if-empty'];
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  return withDatabase(async ({ dataSource, directory, env }) => {
    if (ifEmpty && env.SEED_SAMPLE_ON_START === 'false') {
      process.stderr.write('SEED_SAMPLE_ON_START=false: the sample organisation was not seeded\n');
      return 0;
    }
    const result = await seedSampleOrganisation(dataSource, directory, systemClock);
    if (!result.seeded) {
      process.stderr.write(
        `the organisation is not empty (${result.units} org units): the sample was not seeded\n`,
      );
      return ifEmpty ? 0 : 1;
    }
    process.stdout.write(
      `seeded the sample organisation: ${result.units} org units, ${result.members} members, ${result.users.length} users\n`,
    );
    process.stderr.write(
      'WARNING: the tokens below and the password of their log-in names are well-known DEVELOPMENT\n' +
        `credentials (they are in the README; password: ${DEV_PASSWORD}). With NODE_ENV=production the\n` +
        'api refuses to start until `cli token revoke --well-known` revoked them.\n' +
        'Never seed a database that real people use; create users there with `cli user create`.\n',
    );
    for (const user of result.users) {
      const grants = user.grants.map((grant) => `${grant.role}@${grant.orgUnitId}`).join(',');
      process.stdout.write(
        `  ${user.token}  ${grants}  ${user.name}  (log-in: ${user.loginName})\n`,
      );
    }
    return 0;
  });
}
