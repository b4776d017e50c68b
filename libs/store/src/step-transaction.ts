import type pg from 'pg';
import type { EntityManager } from 'typeorm';
import { inlineParams } from './sql-literal.js';
import type { WriteBatch } from './write-batch.js';

/**
 * A step's transaction on one pooled connection, with its first and last statements sent
 * together with `BEGIN` and `COMMIT`: `BEGIN; <lock>` is one simple-query message, and so is
 * `<writes>; COMMIT` — two round trips for a whole step instead of four. The values are inlined
 * as quoted literals (simple-query messages carry no parameters; see inlineParams). Statements
 * in between go through `manager` (the same connection) as usual.
 *
 * If a statement of a message fails, PostgreSQL skips the rest of it (so no COMMIT after a
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
    const results = await this.query(`BEGIN;\n${inlineParams(sql, params)}`);
    return results[1].rows as R[];
  }

  /** Runs the batch and commits in the same message; returns the batch's outputs. */
  async commitWith(batch: WriteBatch): Promise<Record<string, unknown[]>> {
    const statements = batch.statements({ inline: true });
    const answers: (Record<string, unknown> | undefined)[] = [];
    // Only a batch too big for one statement sends its earlier statements on their own.
    for (const statement of statements.slice(0, -1)) {
      const [results] = await this.query(statement.sql);
      answers.push(results.rows[0] as Record<string, unknown> | undefined);
    }
    const last = statements[statements.length - 1];
    if (last) {
      const results = await this.query(`${last.sql};\nCOMMIT`);
      this.state = 'committed';
      answers.push(results[0].rows[0] as Record<string, unknown> | undefined);
    } else {
      await this.commit();
    }
    return batch.collect(answers);
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

  private async query(text: string): Promise<pg.QueryResult[]> {
    const results = (await this.client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(results) ? results : [results];
  }
}
