import type { Env } from '@app/config';
import { ESCALATION_JOB, LEDGER_ESCALATION_JOB } from '../escalation/escalation.service.js';
import { AUDIT_CHECKPOINT_JOB, checkpointEveryMs } from './audit-checkpoint.service.js';

/** The maintenance job (and its scheduler id) that brings the roll-up counters up to date. */
export const LEDGER_ROLLUP_JOB = 'ledger-rollup';

export type MaintenanceJobName =
  'reconcile' | typeof ESCALATION_JOB | typeof AUDIT_CHECKPOINT_JOB | typeof LEDGER_ROLLUP_JOB;

export interface Schedule {
  /** Stable job scheduler id: every replica upserts the same one, so it runs once per tick. */
  readonly id: string;
  readonly name: MaintenanceJobName;
  readonly every: number;
}

/** The cluster-wide recurring work of the `maintenance` queue. */
export function maintenanceSchedules(env: Env): Schedule[] {
  return [
    { id: 'reconcile', name: 'reconcile', every: env.RECONCILE_INTERVAL_MS },
    // Overdue ledger items (one level up the org tree per LEDGER_ESCALATION_EVERY) and the
    // tasks the ledger does not take (daily), in one sweep (EscalationService).
    { id: ESCALATION_JOB, name: ESCALATION_JOB, every: env.ESCALATION_INTERVAL_MS },
    // The ledger items changed since the last refresh, refreshed into the roll-up counters
    // (LedgerStore.refreshCounters; a roll-up read refreshes what is left first)
    { id: LEDGER_ROLLUP_JOB, name: LEDGER_ROLLUP_JOB, every: env.LEDGER_ROLLUP_INTERVAL_MS },
    // The audit checkpoint (docs/audit.md); once per period, whichever replica takes the tick.
    { id: AUDIT_CHECKPOINT_JOB, name: AUDIT_CHECKPOINT_JOB, every: checkpointEveryMs(env) },
  ];
}

/**
 * Schedulers of jobs no longer scheduled, removed where an older worker left them in Redis: the
 * ledger's own escalation sweep, now part of ESCALATION_JOB (a second sweep changed nothing,
 * but ran the same work twice).
 */
export const RETIRED_SCHEDULES: readonly string[] = [LEDGER_ESCALATION_JOB];

/** Options of the jobs a schedule produces: the next tick is the retry. */
export const SCHEDULED_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 100 },
} as const;
