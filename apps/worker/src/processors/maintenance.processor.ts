import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { LedgerEscalation } from '../ledger/ledger-escalation.service.js';
import {
  AUDIT_CHECKPOINT_JOB,
  AuditCheckpointService,
} from '../maintenance/audit-checkpoint.service.js';
import { EscalationService } from '../maintenance/escalation.service.js';
import { type ReconcileReport, Reconciler } from '../maintenance/reconciler.service.js';
import { BulkStartRunner } from '../schedules/bulk-starts.service.js';
import { type KickoffReport, MonthlyKickoff } from '../schedules/monthly-kickoff.service.js';
import { MONTHLY_KICKOFF_JOB } from '../schedules/scheduled-starts.js';

/** `maintenance`: one job per schedule tick, cluster-wide; the sweeps themselves are idempotent. */
@Injectable()
export class MaintenanceProcessor {
  constructor(
    @Inject(Reconciler) private readonly reconciler: Reconciler,
    @Inject(EscalationService) private readonly escalation: EscalationService,
    @Inject(LedgerEscalation) private readonly ledgerEscalation: LedgerEscalation,
    @Inject(MonthlyKickoff) private readonly kickoff: MonthlyKickoff,
    @Inject(AuditCheckpointService) private readonly checkpoint: AuditCheckpointService,
    @Inject(BulkStartRunner) private readonly bulkStarts: BulkStartRunner,
  ) {}

  async handle(
    name: string,
  ): Promise<
    | (ReconcileReport & { bulkBatches: number })
    | { escalated: number }
    | KickoffReport
    | { checkpoint: unknown }
  > {
    switch (name) {
      case 'reconcile':
        // and the bulk starts' batches still pending (their plan is in PostgreSQL)
        return {
          ...(await this.reconciler.sweep()),
          bulkBatches: await this.bulkStarts.reconcile(),
        };
      case 'escalate-overdue':
        return { escalated: await this.escalation.sweep() };
      case 'ledger-escalate':
        return { escalated: await this.ledgerEscalation.sweep() };
      case MONTHLY_KICKOFF_JOB:
        return this.kickoff.run();
      case AUDIT_CHECKPOINT_JOB:
        return this.checkpoint.run();
      default:
        throw new UnrecoverableError(`maintenance: unknown job '${name}'`);
    }
  }
}
