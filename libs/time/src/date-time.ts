import { Temporal } from 'temporal-polyfill';
import {
  DEFAULT_TIME_ZONE,
  TimeExpressionError,
  checkZone,
  memory,
  quote,
  toZoned,
} from './common.js';

const EXAMPLES =
  '(expected e.g. 2026-12-01T09:00:00+08:00, 2026-12-01T09:00:00Z, 2026-12-01T09:00:00, 2026-12-01, 2026-12-01T09:00:00@Asia/Shanghai)';

// date [T time [offset]] [ [Zone] | @Zone ]
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?(?:\[([^\]]+)\]|@([^\s@[\]]+))?$/i;

/**
 * Parses an ISO-8601 date or date-time to epoch milliseconds:
 * - with an offset: `2026-12-01T00:00:00+08:00`, `2026-12-01T00:00:00Z` (seconds optional);
 * - without an offset: the wall-clock time in `zone` (default DEFAULT_TIME_ZONE);
 * - a date alone: the start of that day in `zone`;
 * - with a zone name, ISO style `...[Asia/Shanghai]` or FEEL style `...@Asia/Shanghai`:
 *   the wall-clock time in that zone; an offset given as well must agree with the zone.
 * A wall-clock time skipped by a DST jump moves forward by the jump; a repeated one takes
 * the earlier instant. Digits below milliseconds are dropped. Throws TimeExpressionError.
 */
export function parseDateTime(text: string, zone: string = DEFAULT_TIME_ZONE): number {
  if (typeof text !== 'string') {
    throw new TimeExpressionError(`expected an ISO-8601 date-time text, got ${typeof text}`);
  }
  return parsedDateTimes(`${zone}\u0000${text}`, () => parseDateTimeOnce(text, zone));
}

const parsedDateTimes = memory<number>();

function parseDateTimeOnce(text: string, zone: string): number {
  checkZone(zone);
  const trimmed = text.trim();
  const match = DATE_TIME.exec(trimmed);
  if (!match) {
    throw new TimeExpressionError(`${quote(trimmed)} is not an ISO-8601 date-time${why(trimmed)}`);
  }
  const [, y, mo, d, h, mi, s, fraction, offset, bracketZone, atZone] = match;
  const fail = (reason: string) =>
    new TimeExpressionError(`${quote(trimmed)} is not a valid date-time: ${reason}`);

  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) throw fail(`month ${mo} does not exist`);
  const daysInMonth = Temporal.PlainYearMonth.from({ year, month }).daysInMonth;
  if (day < 1 || day > daysInMonth) throw fail(`day ${d} does not exist in ${y}-${mo}`);
  const hour = Number(h ?? '0');
  const minute = Number(mi ?? '0');
  const second = Number(s ?? '0');
  if (hour > 23) throw fail(`hour ${h} is out of range (00-23)`);
  if (minute > 59) throw fail(`minute ${mi} is out of range (00-59)`);
  if (second > 59) throw fail(`second ${s} is out of range (00-59)`);
  const millisecond = Number((fraction ?? '').slice(0, 3).padEnd(3, '0'));
  const wall = Temporal.PlainDateTime.from({ year, month, day, hour, minute, second, millisecond });

  const named = bracketZone ?? atZone;
  if (named !== undefined) {
    try {
      checkZone(named);
    } catch (error) {
      throw error instanceof TimeExpressionError ? fail((error as Error).message) : error;
    }
  }

  if (offset !== undefined) {
    const offsetZone = normalOffset(offset);
    if (offsetZone === null) throw fail(`offset ${offset} is out of range`);
    const at = wall.toZonedDateTime(offsetZone).epochMilliseconds;
    if (named !== undefined && offset.toUpperCase() !== 'Z') {
      const actual = toZoned(at, named).offset;
      if (actual !== offsetZone) {
        throw fail(`offset ${offsetZone} does not match ${named}, which is at ${actual} then`);
      }
    }
    return at;
  }
  const wallZone = named ?? zone;
  if (h === undefined) {
    return wall.toPlainDate().toZonedDateTime({ timeZone: wallZone }).epochMilliseconds;
  }
  return wall.toZonedDateTime(wallZone).epochMilliseconds;
}

/**
 * The instant as ISO-8601 text with the zone's offset and no zone name; milliseconds are
 * shown (3 digits) only when not zero: 1772413200000 -> '2026-03-02T09:00:00+08:00'.
 */
export function formatInstant(at: number, zone: string = DEFAULT_TIME_ZONE): string {
  const zoned = toZoned(at, zone);
  return zoned.toString({
    timeZoneName: 'never',
    fractionalSecondDigits: zoned.millisecond === 0 ? 0 : 3,
  });
}

/** 'Z' -> '+00:00', '+08' / '+0800' / '+08:00' -> '+08:00'; null when out of range. */
function normalOffset(offset: string): string | null {
  if (offset.toUpperCase() === 'Z') return '+00:00';
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return null;
  if (hours === 0 && minutes === 0) return '+00:00';
  return `${offset[0]}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function why(text: string): string {
  if (text === '') return ': the text is empty ' + EXAMPLES;
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text)) {
    return ': separate date and time with "T", e.g. 2026-12-01T09:00:00';
  }
  if (/^\d{4}-\d{1,2}-\d{1,2}(?!\d)/.test(text) && !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    return ': month and day need two digits, e.g. 2026-03-05';
  }
  return ' ' + EXAMPLES;
}
