import type { Statement } from './pipeline.js';

/** PostgreSQL's limit of bind parameters in one statement. */
const MAX_PARAMS = 65_535;

interface Part {
  readonly name: string;
  readonly read: boolean;
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly rows?: RowsForm;
}

/**
 * The multi-row form of a part's statement, for a batch of steps (see mergeBatches): `sql`
 * writes the rows of many steps' parts at once from `$1`, a jsonb array of rows (each row's
 * values by position), and `rows` gives a part's rows as elements of that array — JSON text
 * without the brackets, '' for none. A form is a constant beside its single-row statement.
 * An UPDATE's form also names its keys as `= ANY (ARRAY(SELECT … FROM jsonb_array_elements($1)))`:
 * the planner, which guesses 100 rows from the function, otherwise read a table of 20,000
 * chain heads whole for a hash join instead of looking each row up.
 */
export interface RowsForm {
  readonly sql: string;
  rows(params: readonly unknown[]): string;
  /**
   * For a form whose statement ends in `RETURNING`: how its rows find the part that wrote them —
   * a returned row's key, and the keys of a part's rows (from its parameters). A part registered
   * with an output merges only if its form has this.
   */
  readonly returns?: {
    key(row: Record<string, unknown>): string;
    keys(params: readonly unknown[]): readonly string[];
  };
}

/** A part in its multi-row form (see WriteBatch.mergeable). */
interface MergeablePart {
  readonly form: RowsForm;
  readonly params: readonly unknown[];
  /** The output its returned rows go to. */
  readonly output: string | undefined;
}

/** Parts merged into one statement at most (a batch of steps writes a few hundred). */
const MERGED_ROWS = 1_000;

/**
 * Statements of one step sent to PostgreSQL as a single `WITH` chain: one round trip for all
 * the step's writes instead of one each. Every part is written with its own `$1 … $n`
 * (renumbered here) and becomes one CTE; PostgreSQL runs every data-modifying CTE exactly once.
 *
 * All parts run against the snapshot taken when the statement starts: a part does not see the
 * rows another part writes (a plain SELECT part reads the state before the step's writes), and
 * no two parts may modify the same row. A part registered with `output` gives back its
 * `RETURNING` (or SELECT) rows as JSON values (timestamps as ISO strings).
 */
export class WriteBatch {
  private readonly parts: Part[] = [];
  private readonly outputs = new Set<string>();
  private readonly expected: { readonly name: string; readonly what: string }[] = [];

  /**
   * Adds a part; answers its name (for expectOne). `rows`: the part's multi-row form, when a
   * batch of steps may write it together with other steps' (see mergeBatches).
   */
  add(sql: string, params: readonly unknown[], output?: string, rows?: RowsForm): string {
    return this.push(sql, params, output, false, rows);
  }

  /**
   * The statement fails with `serialization_failure` (step_expect_fresh, see migration
   * StepExpectFresh) unless each part named here — a write ending in `RETURNING` — answers
   * exactly one row; `what` names its row in the error. The expected parts run first, in the
   * order they were named here (the final SELECT reads them before anything else, and a part
   * that is read runs when first read; the others run after the SELECT), so the rows they
   * lock are locked in that order, and one that answers no row fails the statement before
   * any other part runs. Only for a batch that goes as one statement (see oneStatement).
   */
  expectOne(name: string, what: string): void {
    if (!this.parts.some((part) => part.name === name)) {
      throw new Error(`write batch: no part named '${name}'`);
    }
    this.expected.push({ name, what });
  }

  /** How many parts expectOne names. */
  get expectations(): number {
    return this.expected.length;
  }

  /** Whether the batch goes as one statement (else as one per part, see statements). */
  get oneStatement(): boolean {
    const params = this.parts.reduce((n, part) => n + part.params.length, 0);
    // expectOne's message is one more parameter
    return params + (this.expected.length > 0 ? 1 : 0) <= MAX_PARAMS;
  }

  /** A plain SELECT whose rows come back as `output`; it reads the state before the writes. */
  read(sql: string, params: readonly unknown[], output: string): void {
    this.push(sql, params, output, true);
  }

  private push(
    sql: string,
    params: readonly unknown[],
    output: string | undefined,
    read: boolean,
    rows?: RowsForm,
  ): string {
    const name = output ?? `w${this.parts.length}`;
    if (this.parts.some((part) => part.name === name)) {
      throw new Error(`write batch: two parts named '${name}'`);
    }
    this.parts.push({ name, read, sql, params, rows });
    if (output !== undefined) this.outputs.add(output);
    return name;
  }

  /**
   * The statements to send: one (the whole chain) unless the parts have more parameters than
   * PostgreSQL takes in one statement (a huge multi-instance fan-out); then one per part,
   * reads first so that they still see the state before the writes. Each statement answers
   * one row; `collect` turns the answers into the outputs.
   */
  statements(): Statement[] {
    const single = this.oneStatement;
    if (this.expected.length > 0 && !single) {
      throw new Error('write batch: expectOne needs a batch that goes as one statement');
    }
    const groups = single
      ? [this.parts]
      : [...this.parts.filter((p) => p.read), ...this.parts.filter((p) => !p.read)].map((part) => [
          part,
        ]);
    return groups.map((group) => {
      const params: unknown[] = [];
      const ctes = group.map((part) => {
        const offset = params.length;
        params.push(...part.params);
        return `${part.name} AS (${renumber(part.sql, offset)})`;
      });
      const columns = group
        .filter((part) => this.outputs.has(part.name))
        .map(
          (part) =>
            `(SELECT coalesce(json_agg(${part.name}), '[]'::json) FROM ${part.name}) AS ${part.name}`,
        );
      if (this.expected.length > 0) {
        params.push([...new Set(this.expected.map((part) => part.what))].join(', '));
        const each = this.expected.map((part) => `(SELECT count(*) FROM ${part.name}) = 1`);
        columns.unshift(`step_expect_fresh(${each.join(' AND ')}, $${params.length}) AS fresh`);
      }
      const select = columns.length === 0 ? 'SELECT 1' : `SELECT ${columns.join(', ')}`;
      return { text: `WITH ${ctes.join(',\n')}\n${select}`, values: params };
    });
  }

  /**
   * The parts in their multi-row forms, in order; null unless every part has one (an output
   * part, one that says which returned rows are its), and the batch neither reads nor expects
   * rows (those need its own statement).
   */
  mergeable(): readonly MergeablePart[] | null {
    if (this.expected.length > 0) return null;
    const forms: MergeablePart[] = [];
    for (const part of this.parts) {
      if (part.read || part.rows === undefined) return null;
      const output = this.outputs.has(part.name) ? part.name : undefined;
      if (output !== undefined && part.rows.returns === undefined) return null;
      forms.push({ form: part.rows, params: part.params, output });
    }
    return forms;
  }

  /** The outputs, from the one row each of `statements()` answered. */
  collect(answers: readonly (Record<string, unknown> | undefined)[]): Record<string, unknown[]> {
    const result: Record<string, unknown[]> = {};
    for (const name of this.outputs) {
      result[name] = answers.flatMap((row) => (row?.[name] as unknown[] | undefined) ?? []);
    }
    return result;
  }
}

/** Renumbered texts by offset, per statement text (the texts are the call sites' constants). */
const renumbered = new Map<string, Map<number, string>>();

function renumber(sql: string, offset: number): string {
  if (offset === 0) return sql;
  let byOffset = renumbered.get(sql);
  if (!byOffset) {
    // Bounded: texts built per call (a VALUES list as long as the rows) are not kept.
    if (renumbered.size >= 1_000) renumbered.clear();
    byOffset = new Map();
    renumbered.set(sql, byOffset);
  }
  let text = byOffset.get(offset);
  if (text === undefined) {
    text = sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    if (byOffset.size < 64) byOffset.set(offset, text);
  }
  return text;
}

/**
 * The statements of several steps' batches (each touching rows of its own instance only), for
 * one transaction: the parts of every mergeable batch (see WriteBatch.mergeable) as one
 * multi-row statement per form — in the order the forms first appear, so a table's parent rows
 * go before its own — then each other batch's own statements. Parts of one step ran as CTEs of
 * one statement, none reading another's rows or writing the same row, so written one after
 * another they write the same. `collect` takes the statements' answers, in order, and gives
 * each batch its outputs (a merged part's returned rows by their keys, see RowsForm.returns).
 */
export function mergeBatches(batches: readonly WriteBatch[]): {
  readonly statements: Statement[];
  collect(answers: readonly (Record<string, unknown> | undefined)[]): Record<string, unknown[]>[];
} {
  interface Chunk {
    readonly rows: Buffer[];
    /** Where the returned rows go, by their key: the batches' indexes and outputs, in order. */
    readonly owners: Map<string, { readonly batch: number; readonly output: string }[]>;
  }
  const groups = new Map<string, { readonly form: RowsForm; readonly chunks: Chunk[] }>();
  const own: {
    readonly at: number;
    readonly index: number;
    readonly batch: WriteBatch;
    readonly count: number;
  }[] = [];
  const alone: Statement[] = [];
  const outputs: Record<string, unknown[]>[] = batches.map(() => ({}));
  batches.forEach((batch, index) => {
    const parts = batch.mergeable();
    if (parts === null) {
      const statements = batch.statements();
      own.push({ at: alone.length, index, batch, count: statements.length });
      alone.push(...statements);
      return;
    }
    for (const { form, params, output } of parts) {
      if (output !== undefined) outputs[index][output] = [];
      const rows = form.rows(params);
      if (rows === '') continue;
      let group = groups.get(form.sql);
      if (!group) {
        group = { form, chunks: [] };
        groups.set(form.sql, group);
      }
      let chunk = group.chunks.at(-1);
      if (!chunk || chunk.rows.length >= MERGED_ROWS) {
        chunk = { rows: [], owners: new Map() };
        group.chunks.push(chunk);
      }
      chunk.rows.push(Buffer.from(rows));
      if (output !== undefined && form.returns) {
        for (const key of form.returns.keys(params)) {
          const owners = chunk.owners.get(key);
          if (owners) owners.push({ batch: index, output });
          else chunk.owners.set(key, [{ batch: index, output }]);
        }
      }
    }
  });
  const merged: {
    readonly statement: Statement;
    readonly form: RowsForm;
    readonly chunk: Chunk;
  }[] = [];
  for (const { form, chunks } of groups.values()) {
    for (const chunk of chunks) {
      const text = form.returns ? returning(form.sql) : form.sql;
      merged.push({ statement: { text, values: [jsonbArray(chunk.rows)] }, form, chunk });
    }
  }
  return {
    statements: [...merged.map((m) => m.statement), ...alone],
    collect: (answers) => {
      merged.forEach(({ form, chunk }, i) => {
        if (!form.returns) return;
        for (const row of (answers[i]?.rows ?? []) as Record<string, unknown>[]) {
          const owner = chunk.owners.get(form.returns.key(row))?.shift();
          if (owner === undefined)
            throw new Error('a merged statement returned a row no part wrote');
          outputs[owner.batch][owner.output].push(row);
        }
      });
      for (const { at, index, batch, count } of own) {
        const start = merged.length + at;
        outputs[index] = batch.collect(answers.slice(start, start + count));
      }
      return outputs;
    },
  };
}

/** A RETURNING statement's rows as one JSON array (as WriteBatch reads its outputs). */
const returningTexts = new Map<string, string>();
function returning(sql: string): string {
  let text = returningTexts.get(sql);
  if (text === undefined) {
    text = `WITH m AS (${sql}) SELECT coalesce(json_agg(m), '[]'::json) AS rows FROM m`;
    returningTexts.set(sql, text);
  }
  return text;
}

const JSONB_ARRAY_OPEN = Buffer.from([1, 0x5b]); // jsonb's binary format version, then '['
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The JSON array of `rows` (each its elements' UTF-8 text) as a jsonb parameter in binary
 * format — a version byte, 1, then the text — which PostgreSQL parses as it would the text:
 * built from bytes, the array costs a copy of each row, where joining the rows' strings and
 * having pg encode the result took 1.7 ms and 1.7 ms more for a batch of 200 timers' rows
 * (about 200 KB).
 */
function jsonbArray(rows: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [JSONB_ARRAY_OPEN];
  rows.forEach((row, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(row);
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** A value as JSON text, dates as ISO-8601 (the multi-row forms' rows, see RowsForm). */
export function jsonValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `"${value.toISOString()}"`;
  return JSON.stringify(value);
}
