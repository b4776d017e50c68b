import type pg from 'pg';
import type { EntityManager } from 'typeorm';
import { pipeline } from './pipeline.js';
import { type WriteBatch, mergeBatches } from './write-batch.js';

/**
 * A step's transaction on one pooled connection, with its first and last statements sent
 * together with `BEGIN` and `COMMIT`: `BEGIN` + `<lock>` is one pipeline (one round trip), and
 * so is `<writes>` + `COMMIT` — two round trips for a whole step instead of four. The
 * statements are prepared once per connection (see pipeline), so PostgreSQL does not plan
 * them again at every step. Statements in between go through `manager` (the same connection).
 *
 * If a statement of a pipeline fails, PostgreSQL skips the rest of it (so no COMMIT after a
 * failed write) and the transaction is aborted; `rollback` then ends it.
 */
export class StepTransaction {
  private state: 'idle' | 'open' | 'committed' = 'idle';

  constructor(
    private readonly client: pg.PoolClient,
    /** Runs statements on the transaction's connection. */
    readonly manager: EntityManager,
  ) {}

  /** Starts the transaction with its first statement; returns that statement's rows. */
  async begin<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
    this.state = 'open';
    const results = await pipeline(this.client, [BEGIN, { text: sql, values: params }]);
    return results[1].rows as R[];
  }

  /** Runs the batch and commits in the same round trip; returns the batch's outputs. */
  async commitWith(batch: WriteBatch): Promise<Record<string, unknown[]>> {
    const statements = batch.statements();
    const results = await pipeline(this.client, [...statements, COMMIT]);
    this.state = 'committed';
    return batch.collect(
      results
        .slice(0, statements.length)
        .map((result) => result.rows[0] as Record<string, unknown> | undefined),
    );
  }

  /**
   * Runs several batches (one per instance of a batch of steps, each touching rows of its own
   * instance only) and commits, all in one round trip; returns each batch's outputs, in order.
   * Batches whose parts all have multi-row forms are written together, a statement per form
   * (mergeBatches). A failing statement aborts the whole transaction (nothing of any batch is
   * written).
   */
  async commitWithAll(batches: readonly WriteBatch[]): Promise<Record<string, unknown[]>[]> {
    const merged = mergeBatches(batches);
    const results = await pipeline(this.client, [...merged.statements, COMMIT]);
    this.state = 'committed';
    return merged.collect(
      results
        .slice(0, merged.statements.length)
        .map((result) => result.rows[0] as Record<string, unknown> | undefined),
    );
  }

  /** Commits, unless `commitWith` already did. */
  async commit(): Promise<void> {
    if (this.state !== 'open') return;
    await this.client.query('COMMIT');
    this.state = 'committed';
  }

  /** Rolls back an open (or aborted) transaction; a broken connection is left to the pool. */
  async rollback(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'idle';
    await this.client.query('ROLLBACK').catch(() => undefined);
  }
}

const BEGIN = { text: 'BEGIN', values: [] };
const COMMIT = { text: 'COMMIT', values: [] };
