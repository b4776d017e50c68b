import {
  FeelDate,
  FeelDateTime,
  FeelDuration,
  FeelFunction,
  FeelRange,
  FeelTime,
  toFeel,
} from 'feelin';

/** A value that can be stored as process variable (plain JSON). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Process variables handed to an evaluation; values are normally JSON, but anything goes. */
export type Variables = Readonly<Record<string, unknown>>;

/** Any failure of this library: syntax errors, runtime failures, results that are not storable. */
export class FeelError extends Error {
  constructor(
    message: string,
    /** The FEEL expression (without '='); empty when the error did not come from an expression. */
    readonly expression: string,
  ) {
    super(message);
    this.name = 'FeelError';
  }
}

/**
 * Normalises a FEEL result (or any JavaScript value) to plain JSON.
 *
 * Temporal values become ISO strings: a date time zoned with an IANA id (`…@Asia/Shanghai`)
 * gets the numeric offset of that zone at that instant (`2026-02-01T00:00:00+08:00`), a date
 * time with an offset or `Z` keeps it, a local one stays without offset; dates become
 * `YYYY-MM-DD`, times and durations their ISO form. Native `Temporal` values and `Date`s are
 * converted the way feelin converts them. Ranges, functions, NaN/Infinity, bigints and objects
 * that are not plain contexts throw a {@link FeelError}: they cannot be stored. With `limits`,
 * a value with more list items or characters of text (all together) or deeper nesting than
 * they allow throws a FeelError naming the limit, before the excess is copied.
 */
export function toJsonValue(value: unknown, limits?: ResultLimits): JsonValue {
  if (!limits) return convert(value, '', null, 0);
  const budget = { items: limits.maxListItems, text: limits.maxTextLength, limits };
  return convert(value, '', budget, 0);
}

/** How large a converted value may be (FeelLimits has these fields). */
export interface ResultLimits {
  /** Most list items, all lists together. */
  readonly maxListItems: number;
  /** Most characters of strings and keys, all together. */
  readonly maxTextLength: number;
  /** Deepest nesting of lists and contexts. */
  readonly maxDepth: number;
}

/** What is left of the limits while a value is converted; null: unlimited. */
type Budget = { items: number; text: number; readonly limits: ResultLimits } | null;

function spendText(budget: Budget, length: number, path: string): void {
  if (budget === null) return;
  budget.text -= length;
  if (budget.text < 0) {
    throw tooLarge(
      `more than ${budget.limits.maxTextLength.toLocaleString('en')} characters of text (the FEEL text limit)`,
      path,
    );
  }
}

function convert(value: unknown, path: string, budget: Budget, depth: number): JsonValue {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'boolean':
      return value;
    case 'string':
      spendText(budget, value.length, path);
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw notStorable(String(value), path);
      return value === 0 ? 0 : value; // -0 -> 0
    case 'bigint':
    case 'symbol':
    case 'function':
      throw notStorable(`a ${typeof value}`, path);
    case 'object':
      return convertObject(value, path, budget, depth);
  }
}

function convertObject(
  value: object | null,
  path: string,
  budget: Budget,
  depth: number,
): JsonValue {
  if (value === null) return null;
  const nested = Array.isArray(value) || isPlainObject(value);
  if (budget !== null && nested && depth >= budget.limits.maxDepth) {
    throw tooLarge(
      `lists and contexts nested deeper than ${budget.limits.maxDepth} levels (the FEEL depth limit)`,
      path,
    );
  }
  if (Array.isArray(value)) {
    if (budget !== null) {
      budget.items -= value.length;
      if (budget.items < 0) {
        throw tooLarge(
          `more than ${budget.limits.maxListItems.toLocaleString('en')} list items (the FEEL list limit)`,
          path,
        );
      }
    }
    // Array.from visits holes too (as undefined -> null)
    return Array.from(value as unknown[], (item, index) =>
      convert(item, `${path}[${index}]`, budget, depth + 1),
    );
  }
  if (value instanceof FeelDateTime) return dateTimeToJson(value);
  if (value instanceof FeelDate || value instanceof FeelTime || value instanceof FeelDuration) {
    return value.iso;
  }
  if (value instanceof FeelRange) throw notStorable(`a range ${value.toString()}`, path);
  if (value instanceof FeelFunction) throw notStorable('a function', path);
  if (isPlainObject(value)) {
    const result: { [key: string]: JsonValue } = {};
    for (const [key, entry] of Object.entries(value)) {
      spendText(budget, key.length, path);
      result[key] = convert(entry, `${path}.${key}`, budget, depth + 1);
    }
    return result;
  }
  // native Temporal values and Dates: same coercion as feelin applies to its input
  const coerced: unknown = toFeel(value);
  if (coerced !== value) return convert(coerced, path, budget, depth);
  const name = (value.constructor as { name?: string } | undefined)?.name ?? 'unknown';
  throw notStorable(`an object of type ${name}`, path);
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function dateTimeToJson(value: FeelDateTime): string {
  // iso is 'wall-clock@Zone/Id' for IANA zones, 'wall-clock+08:00' / '…Z' for offsets and
  // plain 'wall-clock' for local date times.
  if (value.zone === null || !value.iso.includes('@')) return value.iso;
  return value.unwrap().toZonedDateTime(value.zone).toString({ timeZoneName: 'never' });
}

function tooLarge(what: string, path: string): FeelError {
  const where = path === '' ? '' : ` (at ${path.startsWith('.') ? path.slice(1) : path})`;
  return new FeelError(`the result has ${what}${where}`, '');
}

function notStorable(what: string, path: string): FeelError {
  const where = path === '' ? '' : ` at ${path.startsWith('.') ? path.slice(1) : path}`;
  return new FeelError(`${what}${where} cannot be stored as a JSON value`, '');
}
