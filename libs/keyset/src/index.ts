/**
 * @app/keyset — the parts every keyset-paginated read shares (the task list, the overdue
 * board): a statement's numbered parameters, timestamps kept to the microsecond, and an opaque
 * cursor (base64url of a JSON array whose first element names the list and its order) that is
 * checked element by element before any of it reaches SQL. Free of Nest and of any table.
 */

/** A cursor that is not one the list gave out (or one of another order). */
export class CursorError extends Error {}

/** A statement under construction: its conditions refer to parameters by position. */
export class SqlParams {
  readonly values: unknown[] = [];

  /** `$n` (with `::type` when given) for `value`, the next parameter. */
  add(value: unknown, type?: string): string {
    this.values.push(value);
    return type ? `$${this.values.length}::${type}` : `$${this.values.length}`;
  }
}

/**
 * A timestamp column as a cursor keeps it: UTC, to the microsecond (a JavaScript Date keeps
 * milliseconds only, and a page boundary between two rows of one millisecond must hold).
 */
export function microStamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** An instant as `microStamp` writes it. */
export function isMicroInstant(value: unknown): value is string {
  return typeof value === 'string' && MICRO_INSTANT.test(value);
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A non-negative int4. */
export function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2_147_483_647;
}

/** The cursor of a page ending at `key` (`[tag, ...position]`). */
export function encodeCursor(key: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The position in `cursor` after its tag: the elements of a JSON array of `length` elements
 * (the tag among them) whose first is `tag`; null for anything else. The caller checks each
 * element's type before using it.
 */
export function decodeCursor(cursor: string, tag: string, length: number): unknown[] | null {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(key) || key.length !== length || key[0] !== tag) return null;
  return key.slice(1) as unknown[];
}

const MICRO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
