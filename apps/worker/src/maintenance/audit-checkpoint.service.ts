import { appendFile } from 'node:fs/promises';
import { type AuditCheckpoint, checkpointPeriod, writeCheckpoint } from '@app/audit';
import type { Env } from '@app/config';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { addDuration } from '@app/time';
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { postWebhook } from '../notify/webhook-client.js';

/** The maintenance job (and scheduler id) that takes the audit checkpoint. */
export const AUDIT_CHECKPOINT_JOB = 'audit-checkpoint';

/** AUDIT_CHECKPOINT_EVERY in milliseconds (fixed-length units only, so the zone is moot). */
export function checkpointEveryMs(env: Env): number {
  return addDuration(0, env.AUDIT_CHECKPOINT_EVERY, 'UTC');
}

/**
 * Takes the audit checkpoint of the current period (docs/audit.md) and exports it: one JSON
 * line appended to AUDIT_CHECKPOINT_FILE and/or a POST to AUDIT_CHECKPOINT_WEBHOOK, after the
 * commit. A period already checkpointed writes and exports nothing. An export that fails
 * fails the job (the checkpoint itself stays; the next period's is exported and covers it).
 */
@Injectable()
export class AuditCheckpointService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {}

  async run(): Promise<{ checkpoint: AuditCheckpoint | null }> {
    const at = this.clock.now();
    const period = checkpointPeriod(at, checkpointEveryMs(this.env));
    const checkpoint = await this.dataSource.transaction((manager) =>
      writeCheckpoint(manager, { period, at }),
    );
    if (checkpoint) await this.export(checkpoint);
    return { checkpoint };
  }

  private async export(checkpoint: AuditCheckpoint): Promise<void> {
    const record = { type: 'audit.checkpoint', ...checkpoint };
    if (this.env.AUDIT_CHECKPOINT_FILE !== '') {
      await appendFile(this.env.AUDIT_CHECKPOINT_FILE, `${JSON.stringify(record)}\n`, 'utf8');
    }
    if (this.env.AUDIT_CHECKPOINT_WEBHOOK !== '') {
      await postWebhook(this.env.AUDIT_CHECKPOINT_WEBHOOK, record);
    }
  }
}
