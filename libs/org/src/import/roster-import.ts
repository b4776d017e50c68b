import { createHash } from 'node:crypto';
import type { MembersRepository, RosterImportResult } from '../members.repository.js';
import type { UnitsRepository } from '../units.repository.js';
import { type RosterLimits, readRoster } from './roster-file.js';
import { type RosterError, planRoster } from './roster-plan.js';

/** Row problems answered at most (their total is answered too). */
export const ROSTER_MAX_ERRORS = 1000;

export interface RosterImportAnswer extends RosterImportResult {
  /** How many problems there were in all (`errors` holds the first ROSTER_MAX_ERRORS). */
  readonly errorCount: number;
}

/**
 * Imports a roster file (xlsx or CSV) into the subtree at `scopePath` ('/' for the whole tree):
 * reads and checks the whole file first (a file that cannot be read throws
 * RosterFileException), answers every bad row, and writes only when every row is valid (one
 * transaction, see MembersRepository.importRoster). The same code path for the api and the cli.
 */
export async function importRoster(
  repositories: {
    readonly units: UnitsRepository;
    readonly members: MembersRepository;
    readonly clock: { now(): number };
  },
  bytes: Buffer,
  options: {
    readonly scopePath: string;
    readonly fileName: string;
    readonly actor: string;
    readonly dryRun: boolean;
    readonly limits: RosterLimits;
    /** Why statuses change (see MembersRepository.importRoster); none: such rows are refused. */
    readonly reason?: string | null;
  },
): Promise<RosterImportAnswer> {
  const sheet = await readRoster(bytes, options.limits);
  const units = await repositories.units.namedSubtree(options.scopePath);
  const today = new Date(repositories.clock.now()).toISOString().slice(0, 10);
  const plan = planRoster(sheet, units, today, ROSTER_MAX_ERRORS);
  if (plan.errorCount > 0) {
    return {
      created: 0,
      updated: 0,
      unchanged: 0,
      errors: plan.errors,
      errorCount: plan.errorCount,
    };
  }
  const result = await repositories.members.importRoster(plan.members, {
    actor: options.actor,
    fileName: options.fileName,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    dryRun: options.dryRun,
    reason: options.reason ?? null,
  });
  const errors: RosterError[] = result.errors.slice(0, ROSTER_MAX_ERRORS);
  return { ...result, errors, errorCount: result.errors.length };
}
