import {
  type AuditCheckpoint,
  checkpointEveryMs,
  checkpointExport,
  takeCheckpoint,
} from '@app/audit';
import type { Env } from '@app/config';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** The maintenance job (and scheduler id) that takes the audit checkpoint. */
export const AUDIT_CHECKPOINT_JOB = 'audit-checkpoint';

export { checkpointEveryMs };

/**
 * Takes the audit checkpoint of the current period (docs/audit.md) and exports it: one JSON
 * line appended to AUDIT_CHECKPOINT_FILE and/or a POST to AUDIT_CHECKPOINT_WEBHOOK, after the
 * commit. A period already checkpointed writes and exports nothing. An export that fails
 * fails the job (logged by the worker, naming the target, never the URL); the checkpoint
 * itself stays, and the next period's, whose hash chains it, is exported.
 */
@Injectable()
export class AuditCheckpointService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async run(): Promise<{ checkpoint: AuditCheckpoint | null }> {
    const { taken, checkpoint } = await takeCheckpoint(this.dataSource, {
      at: this.clock.now(),
      everyMs: checkpointEveryMs(this.env),
      export: checkpointExport(this.env),
    });
    return { checkpoint: taken ? checkpoint : null };
  }
}
