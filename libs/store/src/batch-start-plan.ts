import { randomUUID } from 'node:crypto';
import { type OutboxRow, outboxInsert, outboxJob } from '@app/queue';
import type { DataSource, EntityManager } from 'typeorm';
import type { BatchStartResult, BatchStarter } from './batch-start.js';
import type { StartInput } from './instance-runtime.types.js';

/** Starts per batch (one transaction, one job) unless told otherwise. */
export const DEFAULT_BULK_BATCH_SIZE = 500;

/** What a bulk start is for: the monthly kick-off, or a directive to a subtree's branches. */
export type BulkKind = 'kickoff' | 'directive';

export interface BulkPlanInput {
  readonly kind: BulkKind;
  readonly templateKey: string;
  /** The subtree a directive goes to (null for the kick-off). */
  readonly orgUnitId: string | null;
  readonly requestedBy: string;
  readonly inputs: readonly StartInput[];
  readonly batchSize?: number;
  /** The bulk's id (a directive's instances carry it in their business key); default: new. */
  readonly id?: string;
}

export interface BulkPlan {
  readonly id: string;
  readonly total: number;
  readonly batches: number;
  /** The outbox rows of the batches' jobs, delivered after commit. */
  readonly outbox: OutboxRow[];
}

/** How far a bulk start is. */
export interface BulkProgress {
  readonly id: string;
  readonly kind: BulkKind;
  readonly templateKey: string;
  readonly orgUnitId: string | null;
  readonly requestedBy: string;
  readonly createdAt: Date;
  /** Starts planned. */
  readonly total: number;
  /** Instances started by the bulk so far. */
  readonly started: number;
  /** Starts whose business key was taken already (started before, by anyone). */
  readonly existing: number;
  /** Starts the engine refused. */
  readonly failed: number;
  /** Starts of batches not yet run. */
  readonly left: number;
  readonly batches: number;
  readonly batchesDone: number;
  /** The first refusal, in words (null: none). */
  readonly error: string | null;
  /** When its last batch was done (null while any is left). */
  readonly finishedAt: Date | null;
}

/** The outcome of one batch job. */
export type BatchRun =
  | ({ readonly ran: true } & BatchStartResult)
  /** Done before, or being run by another worker right now. */
  | { readonly ran: false };

/**
 * Bulk starts made durable: the plan — every batch's starts — is written to PostgreSQL with the
 * batches' jobs in the outbox, in one transaction, so a flushed Redis or a killed worker loses
 * nothing (the outbox dispatcher and the reconciler deliver the jobs; `pendingBatches` names
 * every batch still to run). A batch runs in one transaction that claims its row
 * (`FOR UPDATE SKIP LOCKED`: a batch is run by one worker at a time), starts its instances
 * (BatchStarter, idempotent by business key) and marks the row done; a crash rolls all of it
 * back, and the batch runs again later.
 */
export class BulkStarts {
  /** Without a starter (the api: it plans and reads progress) it cannot run batches. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly starter: BatchStarter | null,
  ) {}

  /** Writes the plan and its jobs in the transaction of `manager`; deliver `outbox` after commit. */
  async plan(manager: EntityManager, input: BulkPlanInput, now: number): Promise<BulkPlan> {
    const id = input.id ?? randomUUID();
    const size = Math.max(1, input.batchSize ?? DEFAULT_BULK_BATCH_SIZE);
    const batches: StartInput[][] = [];
    for (let i = 0; i < input.inputs.length; i += size) {
      batches.push(input.inputs.slice(i, i + size));
    }
    await manager.query(
      `INSERT INTO bulk_starts (id, kind, template_key, org_unit_id, requested_by, total, batches, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        input.kind,
        input.templateKey,
        input.orgUnitId,
        input.requestedBy,
        input.inputs.length,
        batches.length,
        new Date(now),
      ],
    );
    if (batches.length === 0) return { id, total: 0, batches: 0, outbox: [] };
    await manager.query(
      `INSERT INTO bulk_start_batches (bulk_id, n, size, inputs)
       SELECT $1, b.n - 1, jsonb_array_length(b.inputs), b.inputs
         FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS b (inputs, n)`,
      [id, JSON.stringify(batches)],
    );
    const insert = outboxInsert(
      batches.map((_, n) => outboxJob('start-batch', batchJobId(id, n), { bulkId: id, n }, now)),
    );
    const outbox = await manager.query<OutboxRow[]>(insert.sql, insert.params);
    return {
      id,
      total: input.inputs.length,
      batches: batches.length,
      outbox: outbox.map((row) => ({ ...row, id: String(row.id) })),
    };
  }

  /**
   * Runs one batch unless it is done or another worker holds it: one transaction claims the
   * batch, starts its instances (as the bulk's requester) and marks it done. Deliver the answer's `outbox` after commit.
   */
  async runBatch(bulkId: string, n: number): Promise<BatchRun> {
    const starter = this.starter;
    if (starter === null) throw new Error('BulkStarts: no batch starter here (plans only)');
    return this.dataSource.transaction(async (manager) => {
      const [batch] = await manager.query<
        { inputs: StartInput[]; template_key: string; requested_by: string }[]
      >(
        `SELECT b.inputs, s.template_key, s.requested_by FROM bulk_start_batches b JOIN bulk_starts s ON s.id = b.bulk_id
          WHERE b.bulk_id = $1 AND b.n = $2 AND b.state = 'pending'
            FOR NO KEY UPDATE OF b SKIP LOCKED`,
        [bulkId, n],
      );
      if (!batch) return { ran: false } as const;
      const result = await starter.start(
        manager,
        batch.template_key,
        batch.inputs,
        batch.requested_by,
      );
      await manager.query(
        `UPDATE bulk_start_batches SET state = 'done', started = $3, existing = $4, failed = $5,
                error = $6, done_at = now()
          WHERE bulk_id = $1 AND n = $2`,
        [bulkId, n, result.started, result.existing, result.failed, result.error],
      );
      return { ran: true, ...result } as const;
    });
  }

  /** The batches of a bulk not yet done, in order. */
  async pendingOf(bulkId: string): Promise<number[]> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT n FROM bulk_start_batches WHERE bulk_id = $1 AND state = 'pending' ORDER BY n`,
      [bulkId],
    );
    return rows.map((row) => row.n);
  }

  /** Batches of any bulk still pending from before `olderThan` (for the reconciler), oldest first. */
  async pendingBatches(olderThan: number, limit: number): Promise<{ bulkId: string; n: number }[]> {
    const rows = await this.dataSource.query<{ bulk_id: string; n: number }[]>(
      `SELECT b.bulk_id, b.n FROM bulk_start_batches b JOIN bulk_starts s ON s.id = b.bulk_id
        WHERE b.state = 'pending' AND s.created_at < $1
        ORDER BY s.created_at, b.n LIMIT $2`,
      [new Date(olderThan), limit],
    );
    return rows.map((row) => ({ bulkId: row.bulk_id, n: row.n }));
  }

  /** How far a bulk is (undefined: no such bulk). */
  async progress(
    bulkId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<BulkProgress | undefined> {
    const [row] = await manager.query<
      {
        id: string;
        kind: BulkKind;
        template_key: string;
        org_unit_id: string | null;
        requested_by: string;
        created_at: Date;
        total: number;
        batches: number;
        started: number;
        existing: number;
        failed: number;
        left: number;
        batches_done: number;
        error: string | null;
        finished_at: Date | null;
      }[]
    >(
      `SELECT s.id, s.kind, s.template_key, s.org_unit_id, s.requested_by, s.created_at, s.total, s.batches,
              COALESCE(sum(b.started), 0)::int AS started, COALESCE(sum(b.existing), 0)::int AS existing,
              COALESCE(sum(b.failed), 0)::int AS failed,
              COALESCE(sum(b.size) FILTER (WHERE b.state = 'pending'), 0)::int AS left,
              count(*) FILTER (WHERE b.state = 'done')::int AS batches_done,
              (array_agg(b.error ORDER BY b.n) FILTER (WHERE b.error IS NOT NULL))[1] AS error,
              CASE WHEN bool_and(b.state = 'done') IS NOT FALSE
                   THEN COALESCE(max(b.done_at), s.created_at) END AS finished_at
         FROM bulk_starts s LEFT JOIN bulk_start_batches b ON b.bulk_id = s.id
        WHERE s.id = $1
        GROUP BY s.id`,
      [bulkId],
    );
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      templateKey: row.template_key,
      orgUnitId: row.org_unit_id,
      requestedBy: row.requested_by,
      createdAt: row.created_at,
      total: row.total,
      started: row.started,
      existing: row.existing,
      failed: row.failed,
      left: row.left,
      batches: row.batches,
      batchesDone: row.batches_done,
      error: row.error,
      finishedAt: row.finished_at,
    };
  }
}

/** The job id of a batch (deterministic: a second enqueue of it is a no-op). */
export function batchJobId(bulkId: string, n: number): string {
  return `bulk-${bulkId}-${n}`;
}
