import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { EscalationService } from '../maintenance/escalation.service.js';
import { type ReconcileReport, Reconciler } from '../maintenance/reconciler.service.js';

/** `maintenance`: one job per schedule tick, cluster-wide; the sweeps themselves are idempotent. */
@Injectable()
export class MaintenanceProcessor {
  constructor(
    @Inject(Reconciler) private readonly reconciler: Reconciler,
    @Inject(EscalationService) private readonly escalation: EscalationService,
  ) {}

  async handle(name: string): Promise<ReconcileReport | { escalated: number }> {
    switch (name) {
      case 'reconcile':
        return this.reconciler.sweep();
      case 'escalate-overdue':
        return { escalated: await this.escalation.sweep() };
      default:
        throw new UnrecoverableError(`maintenance: unknown job '${name}'`);
    }
  }
}
