import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  MembersRepository,
  OPERATOR_ACTOR,
  RosterFileException,
  UnitsRepository,
  importRoster,
} from '@app/org';
import { systemClock } from '@app/store';
import { withDatabase } from './database.js';

const USAGE = 'usage: cli import FILE.xlsx|FILE.csv [--org UNIT] [--dry-run] [--reason TEXT]';

/**
 * `cli import FILE [--org UNIT] [--dry-run]`: the roster import of `POST /api/org/import` as the
 * operator (audited as OPERATOR_ACTOR), into the subtree of UNIT (default: the whole tree).
 * Prints the counts as one JSON line; a bad row: one line per problem on stderr
 * (`row 3, 出生日期: …`), exit 2, nothing written. A row whose 人员类别 would change a stored
 * status is refused unless `--reason` says why (then each change is audited with it).
 */
export async function importCommand(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        org: { type: 'string' },
        'dry-run': { type: 'boolean' },
        reason: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const reason = parsed.values.reason?.trim();
  if (reason !== undefined && (reason === '' || reason.length > 500)) {
    process.stderr.write(`--reason must be 1 to 500 characters\n${USAGE}\n`);
    return 2;
  }
  return withDatabase(async ({ dataSource, env }) => {
    const units = new UnitsRepository(dataSource, systemClock);
    const members = new MembersRepository(dataSource, systemClock);
    let scopePath = '/';
    if (parsed.values.org !== undefined) {
      const unit = await units.find(parsed.values.org);
      if (!unit) {
        process.stderr.write(`no org unit '${parsed.values.org}'\n`);
        return 2;
      }
      scopePath = unit.path;
    }
    let bytes: Buffer;
    try {
      const size = (await stat(file)).size;
      if (size > env.IMPORT_MAX_BYTES) {
        process.stderr.write(
          `${file}: ${size} bytes, more than IMPORT_MAX_BYTES (${env.IMPORT_MAX_BYTES})\n`,
        );
        return 2;
      }
      bytes = await readFile(file);
    } catch (error) {
      process.stderr.write(`${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
    const dryRun = parsed.values['dry-run'] ?? false;
    let answer;
    try {
      answer = await importRoster({ units, members, clock: systemClock }, bytes, {
        scopePath,
        fileName: basename(file),
        actor: OPERATOR_ACTOR,
        dryRun,
        reason: reason ?? null,
        limits: { maxBytes: env.IMPORT_MAX_BYTES, maxRows: env.IMPORT_MAX_ROWS },
      });
    } catch (error) {
      if (!(error instanceof RosterFileException)) throw error;
      process.stderr.write(`${file}: ${error.message}\n`);
      return 2;
    }
    if (answer.errorCount > 0) {
      for (const problem of answer.errors) {
        const column = problem.column === null ? '' : `, ${problem.column}`;
        process.stderr.write(`row ${problem.row}${column}: ${problem.reason}\n`);
      }
      if (answer.errorCount > answer.errors.length) {
        process.stderr.write(`… ${answer.errorCount - answer.errors.length} more problem(s)\n`);
      }
      process.stderr.write(`${answer.errorCount} problem(s): nothing was written\n`);
      return 2;
    }
    const { created, updated, unchanged } = answer;
    process.stdout.write(`${JSON.stringify({ created, updated, unchanged, dryRun })}\n`);
    return 0;
  });
}
