import { Queue, type DefaultJobOptions } from 'bullmq';
import type { DataSource } from 'typeorm';
import { OUTBOX_ROW_COLUMNS, type OutboxRow } from './outbox.js';
import { queueLocation, type QueueDeployment } from './queue-location.js';
import { QueueName } from './queues.js';

/** The deployment's prefix (tests use one per suite) and Redis; each queue's: `queueLocation`. */
export interface DispatcherOptions extends QueueDeployment {
  readonly now: () => number;
  /** Options of every job enqueued (default DEFAULT_JOB_OPTIONS; tests shorten the backoff). */
  readonly jobOptions?: DefaultJobOptions;
}

/** Job options every queue shares: retries with exponential backoff, bounded history. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 10000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * Moves committed outbox rows to BullMQ and marks them delivered. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several dispatchers (api and worker processes) share the work;
 * the deterministic job id makes a second enqueue of the same row a no-op. If the process
 * dies between the enqueue and the mark, the row is enqueued again later — harmless.
 */
export class OutboxDispatcher {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DispatcherOptions,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      const location = queueLocation(name, this.options);
      queue = new Queue(location.name, {
        connection: this.options.connection,
        prefix: location.prefix,
        defaultJobOptions: this.options.jobOptions ?? DEFAULT_JOB_OPTIONS,
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Delivers pending rows: the given ids (just committed), or else the oldest pending rows
   * created before `olderThan` (the reconciler's sweep). Returns how many were delivered.
   */
  async dispatch(
    options: { ids?: readonly string[]; olderThan?: number; limit?: number } = {},
  ): Promise<number> {
    if (options.ids && options.ids.length === 0) return 0;
    return this.dataSource.transaction(async (manager): Promise<number> => {
      const rows = options.ids
        ? await manager.query<OutboxRow[]>(
            `SELECT ${OUTBOX_ROW_COLUMNS} FROM outbox
                WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL FOR UPDATE SKIP LOCKED`,
            [options.ids],
          )
        : await manager.query<OutboxRow[]>(
            `SELECT ${OUTBOX_ROW_COLUMNS} FROM outbox
                WHERE delivered_at IS NULL AND created_at < $1
                ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
            [new Date(options.olderThan ?? this.options.now()), options.limit ?? 1000],
          );
      if (rows.length === 0) return 0;
      await this.enqueue(rows);
      await manager.query(
        `UPDATE outbox SET delivered_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`,
        [rows.map((row) => row.id)],
      );
      return rows.length;
    });
  }

  /**
   * Delivers rows the caller's transaction has just committed, as its INSERT returned them:
   * enqueues them, then marks them delivered in one statement of its own (no claim first: a
   * row the reconciler enqueues too is a duplicate add of the same job id, a no-op). If the
   * process dies in between, the rows stay undelivered and the reconciler enqueues them again.
   */
  async deliver(rows: readonly OutboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    await this.enqueue(rows);
    await this.dataSource.query(
      `UPDATE outbox SET delivered_at = now(), attempts = attempts + 1
        WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL`,
      [rows.map((row) => String(row.id))],
    );
    return rows.length;
  }

  /**
   * `deliver`, for a caller whose transaction is done: a failure (Redis away) is no error of
   * the caller's — the committed rows stay in the outbox and the reconciler delivers them — so
   * it is handed to `onFailure` with a message for the log, instead of thrown.
   */
  async deliverAfterCommit(
    rows: readonly OutboxRow[],
    onFailure: (message: string, error: unknown) => void,
  ): Promise<void> {
    try {
      await this.deliver(rows);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      onFailure(`enqueue after commit failed; the reconciler will deliver: ${reason}`, error);
    }
  }

  private async enqueue(rows: readonly OutboxRow[]): Promise<void> {
    const now = this.options.now();
    const byQueue = new Map<QueueName, OutboxRow[]>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    for (const [name, group] of byQueue) {
      await this.queue(name).addBulk(
        group.map((row) => ({
          name: row.job_name,
          data: row.payload,
          opts: {
            jobId: row.job_id,
            delay: Math.max(0, new Date(row.not_before).getTime() - now),
          },
        })),
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
