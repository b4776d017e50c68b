import type { Env } from '@app/config';
import { OutboxDispatcher, type OutboxRow, QueueName } from '@app/queue';
import { CLOCK, DATA_SOURCE, ENV, STEP_PROJECTORS } from '@app/runtime';
import {
  BatchStarter,
  type BatchRun,
  type BulkPlan,
  type BulkPlanInput,
  BulkStarts,
  type Clock,
  DefinitionCache,
  batchJobId,
} from '@app/store';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ensureJob, forEachLimited } from '../jobs/ensure-job.js';
import { STALE_AFTER_MS } from '../maintenance/reconciler.service.js';

/** Batches a process runs at once while it drains a bulk itself (its own and PostgreSQL's core). */
export const DRAIN_WIDTH = 2;

/** Pending batches the reconciler looks at per sweep. */
const RECONCILE_BATCH = 1000;

/**
 * The worker's side of bulk starts (libs/store BulkStarts): plans a bulk (its batches and their
 * jobs, durable in PostgreSQL), runs a batch when its `start-batch` job comes, drains a bulk
 * itself (the kick-off waits for its month to be open), and puts back the job of every batch
 * still pending (the reconciler's sweep), so a flushed Redis loses no batch.
 */
@Injectable()
export class BulkStartRunner {
  private readonly logger = new Logger('BulkStarts');
  readonly bulk: BulkStarts;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DefinitionCache) definitions: DefinitionCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) env: Env,
    @Inject(OutboxDispatcher) private readonly dispatcher: OutboxDispatcher,
  ) {
    this.bulk = new BulkStarts(
      dataSource,
      new BatchStarter(definitions, clock, {
        timeZone: env.TIME_ZONE,
        reminderOffsets: env.reminderOffsets,
        projectors: STEP_PROJECTORS,
        callActivityMaxDepth: env.CALL_ACTIVITY_MAX_DEPTH,
        stepMaxActivations: env.STEP_MAX_ACTIVATIONS,
        feelLimits: env.feelLimits,
        timerLimits: env.timerLimits,
      }),
    );
  }

  /** Writes a bulk's plan and its jobs (one transaction), then enqueues the jobs. */
  async plan(input: BulkPlanInput): Promise<BulkPlan> {
    const plan = await this.dataSource.transaction((manager) =>
      this.bulk.plan(manager, input, this.clock.now()),
    );
    await this.deliver(plan.outbox);
    return plan;
  }

  /** The `start-batch` job: runs the batch (unless done or held), then enqueues its jobs. */
  async runBatch(bulkId: string, n: number): Promise<BatchRun> {
    const run = await this.bulk.runBatch(bulkId, n);
    if (run.ran) await this.deliver(run.outbox);
    return run;
  }

  /**
   * Runs every pending batch of a bulk this process can claim, `width` at once, and waits for
   * those other workers hold; returns once every batch is done (a batch whose worker died is
   * pending again, and claimed here).
   */
  async drain(bulkId: string, width = DRAIN_WIDTH): Promise<void> {
    for (;;) {
      const pending = await this.bulk.pendingOf(bulkId);
      if (pending.length === 0) return;
      let ran = 0;
      let next = 0;
      // A pool of `width`: each takes the next batch as soon as its last one is done
      const lane = async (): Promise<void> => {
        while (next < pending.length) {
          const n = pending[next++];
          if ((await this.runBatch(bulkId, n)).ran) ran += 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(width, pending.length) }, lane));
      // All the rest are held by other workers: look again shortly
      if (ran === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Makes sure the job of every batch pending for a few seconds is in the queue (added when
   * Redis lost it; a job that exists is left alone). Answers how many had to be added.
   */
  async reconcile(): Promise<number> {
    const pending = await this.bulk.pendingBatches(
      this.clock.now() - STALE_AFTER_MS,
      RECONCILE_BATCH,
    );
    const queue = this.dispatcher.queue(QueueName.BulkStarts);
    let added = 0;
    await forEachLimited(pending, 16, async ({ bulkId, n }) => {
      const presence = await ensureJob(
        queue,
        'start-batch',
        batchJobId(bulkId, n),
        { bulkId, n },
        { delay: 0, revive: 'stalled' },
      );
      if (presence !== 'present') added += 1;
    });
    return added;
  }

  private deliver(rows: readonly OutboxRow[]): Promise<void> {
    return this.dispatcher.deliverAfterCommit(rows, (message) => this.logger.warn(message));
  }
}
