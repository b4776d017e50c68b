import { createRequire } from 'node:module';
import pg from 'pg';
import type { DataSource } from 'typeorm';

// pg's own conversion of a parameter to its text form (dates, arrays, JSON), as for any query.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue(this: void, value: unknown): string | Buffer | null;
};

/** One statement of a pipeline: text with `$1 … $n`, and its values. */
export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * Statements longer than this (or with more values) are not kept prepared: one-off shapes such
 * as a fork into thousands of branches would only crowd out the statements that recur.
 */
const MAX_PREPARED_TEXT = 32_768;
const MAX_PREPARED_VALUES = 4_096;

/** Prepared statements kept per connection, least recently used closed first. */
export const PREPARED_PER_CONNECTION = 64;

/**
 * The named statements prepared on one connection: text → name, least recently used first.
 * Names are never reused: a statement whose Parse may or may not have taken (its pipeline
 * failed) is forgotten and closed at the start of the next pipeline (closing a name that does
 * not exist is no error).
 */
class PreparedStatements {
  private readonly names = new Map<string, string>();
  private orphans: string[] = [];
  private counter = 0;

  constructor(private readonly limit: number) {}

  /** Names to close before anything else: forgotten or evicted in a failed pipeline. */
  takeOrphans(): string[] {
    const orphans = this.orphans;
    this.orphans = [];
    return orphans;
  }

  /** Names whose Close a failed pipeline may have skipped: closed with the next one. */
  orphan(names: readonly string[]): void {
    this.orphans.push(...names);
  }

  /** The name to bind, whether it must be parsed first, and names to close to stay in limit. */
  use(text: string): { name: string; parse: boolean; close: string[] } {
    const known = this.names.get(text);
    if (known !== undefined) {
      this.names.delete(text);
      this.names.set(text, known);
      return { name: known, parse: false, close: [] };
    }
    const name = `bf${++this.counter}`;
    this.names.set(text, name);
    const close: string[] = [];
    for (const [oldText, oldName] of this.names) {
      if (this.names.size <= this.limit) break;
      this.names.delete(oldText);
      close.push(oldName);
    }
    return { name, parse: true, close };
  }

  forget(name: string): void {
    for (const [text, known] of this.names) {
      if (known === name) {
        this.names.delete(text);
        this.orphans.push(name);
        return;
      }
    }
  }
}

/** pg's Connection, as far as the pipeline writes to it (internal to pg, stable across 8.x). */
interface Connection {
  readonly stream: { cork?(): void; uncork?(): void };
  parse(query: { text: string; name: string; types: number[] }): void;
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  describe(msg: { type: 'P' | 'S'; name: string }): void;
  execute(config: { portal: string; rows: number }): void;
  close(msg: { type: 'P' | 'S'; name: string }): void;
  sync(): void;
}

const prepared = new WeakMap<object, PreparedStatements>();

type Callback = (error: Error | null, results?: pg.QueryResult | pg.QueryResult[]) => void;

/**
 * Several statements in one message to PostgreSQL (the extended protocol: Parse/Bind/Execute
 * for each, one Sync at the end), answered in one round trip. Recurring statements are
 * prepared once per connection under a name and then only bound, so PostgreSQL neither parses
 * nor plans them again (after its first few executions it keeps a generic plan).
 *
 * If a statement fails, PostgreSQL skips the rest up to the Sync: a `COMMIT` at the end is
 * never reached after a failed write, and outside an explicit transaction block the statements
 * before the Sync are one implicit transaction, rolled back together.
 */
class PipelineQuery extends (pg.Query as unknown as new (
  text: string,
  values: undefined,
  callback: Callback,
) => object) {
  private readonly parsed: string[] = [];
  private readonly closed: string[] = [];
  private cache: PreparedStatements | undefined;

  constructor(
    private readonly statements: readonly Statement[],
    callback: Callback,
  ) {
    // The text only names the query (pg's errors and events); a string is taken as it is,
    // where a config object would be copied property by property.
    super(statements[0]?.text ?? '', undefined, (error, results) => {
      if (error && this.cache) {
        for (const name of this.parsed) this.cache.forget(name);
        this.cache.orphan(this.closed);
      }
      callback(error, results);
    });
  }

  submit(connection: Connection): Error | null {
    // Values first: a value pg cannot convert fails the query before anything is written.
    let values: unknown[][];
    try {
      values = this.statements.map((statement) => statement.values.map(prepareValue));
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    let cache = prepared.get(connection);
    if (!cache) {
      cache = new PreparedStatements(PREPARED_PER_CONNECTION);
      prepared.set(connection, cache);
    }
    this.cache = cache;
    connection.stream.cork?.();
    try {
      for (const name of cache.takeOrphans()) this.close(connection, name);
      this.statements.forEach((statement, i) => {
        const keep =
          statement.text.length <= MAX_PREPARED_TEXT &&
          statement.values.length <= MAX_PREPARED_VALUES;
        const use = keep ? cache.use(statement.text) : { name: '', parse: true, close: [] };
        for (const name of use.close) this.close(connection, name);
        if (use.parse) {
          connection.parse({ text: statement.text, name: use.name, types: [] });
          if (use.name) this.parsed.push(use.name);
        }
        connection.bind({ portal: '', statement: use.name, values: values[i] });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  private close(connection: Connection, name: string): void {
    connection.close({ type: 'S', name });
    this.closed.push(name);
  }
}

/**
 * Sends the statements as one pipeline (see PipelineQuery) on the client; resolves with one
 * result per statement, in order, or rejects with the first statement's error.
 */
export function pipeline(
  client: pg.ClientBase,
  statements: readonly Statement[],
): Promise<pg.QueryResult[]> {
  if (statements.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const query = new PipelineQuery(statements, (error, results) => {
      if (error) reject(error);
      else resolve(Array.isArray(results) ? results : results ? [results] : []);
    });
    void client.query(query as unknown as pg.QueryConfig);
  });
}

/**
 * A pipeline (see pipeline) on a connection of the data source's pool, taken for it alone:
 * its statements up to the Sync are one implicit transaction.
 */
export async function pooledPipeline(
  dataSource: DataSource,
  statements: readonly Statement[],
): Promise<pg.QueryResult[]> {
  const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await pipeline(client, statements);
  } catch (error) {
    // An error of a statement leaves the connection usable; any other may not.
    if (!(error instanceof pg.DatabaseError)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * One statement kept prepared on its connection (see pooledPipeline): parsed and planned once
 * per connection, not per call, for the small reads that recur with every request. Its rows.
 */
export async function preparedQuery<T>(
  dataSource: DataSource,
  text: string,
  values: readonly unknown[],
): Promise<T[]> {
  const [result] = await pooledPipeline(dataSource, [{ text, values }]);
  return result.rows as T[];
}
