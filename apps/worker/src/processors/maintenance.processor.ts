import { LedgerStore } from '@app/ledger';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import {
  ESCALATION_JOB,
  EscalationService,
  LEDGER_ESCALATION_JOB,
} from '../escalation/escalation.service.js';
import {
  AUDIT_CHECKPOINT_JOB,
  AuditCheckpointService,
} from '../maintenance/audit-checkpoint.service.js';
import { type ReconcileReport, Reconciler } from '../maintenance/reconciler.service.js';
import { LEDGER_ROLLUP_JOB } from '../maintenance/schedules.js';
import { BulkStartRunner } from '../schedules/bulk-starts.service.js';
import { type KickoffReport, MonthlyKickoff } from '../schedules/monthly-kickoff.service.js';
import { MONTHLY_KICKOFF_JOB } from '../schedules/scheduled-starts.js';

/** `maintenance`: one job per schedule tick, cluster-wide; the sweeps themselves are idempotent. */
@Injectable()
export class MaintenanceProcessor {
  constructor(
    @Inject(Reconciler) private readonly reconciler: Reconciler,
    @Inject(EscalationService) private readonly escalation: EscalationService,
    @Inject(MonthlyKickoff) private readonly kickoff: MonthlyKickoff,
    @Inject(AuditCheckpointService) private readonly checkpoint: AuditCheckpointService,
    @Inject(BulkStartRunner) private readonly bulkStarts: BulkStartRunner,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
  ) {}

  async handle(
    name: string,
  ): Promise<
    | (ReconcileReport & { bulkBatches: number })
    | { escalated: number }
    | KickoffReport
    | { checkpoint: unknown }
    | { rollup: 'refreshed' }
  > {
    switch (name) {
      case 'reconcile':
        // and the bulk starts' batches still pending (their plan is in PostgreSQL)
        return {
          ...(await this.reconciler.sweep()),
          bulkBatches: await this.bulkStarts.reconcile(),
        };
      // Overdue tasks and ledger items, one sweep (EscalationService); the ledger's old job
      // name, still scheduled by an older worker's scheduler, runs the same sweep
      case ESCALATION_JOB:
      case LEDGER_ESCALATION_JOB:
        return { escalated: await this.escalation.sweep() };
      case MONTHLY_KICKOFF_JOB:
        return this.kickoff.run();
      case AUDIT_CHECKPOINT_JOB:
        return this.checkpoint.run();
      case LEDGER_ROLLUP_JOB:
        await this.ledger.refreshCounters();
        return { rollup: 'refreshed' };
      default:
        throw new UnrecoverableError(`maintenance: unknown job '${name}'`);
    }
  }
}
