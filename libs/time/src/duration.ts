import { Temporal } from 'temporal-polyfill';
import { DEFAULT_TIME_ZONE, TimeExpressionError, memory, quote, toZoned } from './common.js';

/**
 * An ISO-8601 duration, field by field as written (PT36H stays 36 hours, it is not
 * normalised to P1DT12H). All fields are whole numbers >= 0.
 */
export interface IsoDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly milliseconds: number;
}

const FIELDS = [
  'years',
  'months',
  'weeks',
  'days',
  'hours',
  'minutes',
  'seconds',
  'milliseconds',
] as const;

const EXAMPLES = '(expected e.g. P1D, PT2H, P1M)';

// P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]], at least one component, T only when followed by one.
const DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d+))?S)?)?$/;

/**
 * Parses an ISO-8601 duration: P1M, P1Y, PT2H30M, P2W, P1DT12H, PT0.5S (fractions only on
 * seconds, down to milliseconds). Letters may be lower case; surrounding whitespace is ignored.
 * Negative durations are rejected. Throws TimeExpressionError.
 */
export function parseDuration(text: string): IsoDuration {
  if (typeof text !== 'string') {
    throw new TimeExpressionError(`expected an ISO-8601 duration text, got ${typeof text}`);
  }
  // A model's few durations (reminder offsets, due times) come again at every start: the
  // frozen result of a short text is kept (errors are not: they are thrown afresh)
  if (text.length > 64) return parseDurationText(text);
  return parsedDurations(text, () => parseDurationText(text));
}

const parsedDurations = memory<IsoDuration>();

function parseDurationText(text: string): IsoDuration {
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed.toUpperCase());
  if (!match) {
    throw new TimeExpressionError(`${quote(trimmed)} is not an ISO-8601 duration${why(trimmed)}`);
  }
  const [, y, mo, w, d, h, mi, s, fraction = ''] = match;
  if (fraction.length > 3 && /[1-9]/.test(fraction.slice(3))) {
    throw new TimeExpressionError(
      `${quote(trimmed)} is not a supported duration: seconds are precise to milliseconds at most (e.g. PT0.125S)`,
    );
  }
  const values = [y, mo, w, d, h, mi, s].map((digits) => whole(digits, trimmed));
  const duration = {
    years: values[0],
    months: values[1],
    weeks: values[2],
    days: values[3],
    hours: values[4],
    minutes: values[5],
    seconds: values[6],
    milliseconds: Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  toTemporal(duration, () => `${quote(trimmed)} is too long a duration`);
  return Object.freeze(duration);
}

/**
 * `at` + `duration` × `times` (times defaults to 1, may be 0). The duration is multiplied
 * first, then added once, so Jan 31 + P1M × 2 is Mar 31 (not Mar 28). Years, months, weeks and
 * days move the wall clock of `zone` (month ends are clamped: Jan 31 + P1M = Feb 28/29; a wall
 * time that does not exist after a DST jump moves forward); hours, minutes, seconds and
 * milliseconds are then added as exact elapsed time.
 * Throws TimeExpressionError for bad text, an unknown zone or a result out of range, and
 * RangeError for a bad `at`, `times` or duration object.
 */
export function addDuration(
  at: number,
  duration: IsoDuration | string,
  zone: string = DEFAULT_TIME_ZONE,
  times = 1,
): number {
  const d = typeof duration === 'string' ? parseDuration(duration) : checked(duration);
  const result = addScaled(at, d, zone, times);
  if (result === null) {
    throw new TimeExpressionError(
      `adding ${durationText(d)} x ${times} to ${toZoned(at, zone).toString({ timeZoneName: 'never' })} goes beyond the supported range of dates`,
    );
  }
  return result;
}

/**
 * `at` minus a duration, calendar-correct in `zone` (the wall clock goes back by the
 * years/months/days, then the exact hours/minutes/seconds): Mar 31 - P1M = Feb 28.
 */
export function subtractDuration(
  at: number,
  duration: IsoDuration | string,
  zone: string = DEFAULT_TIME_ZONE,
): number {
  const d = typeof duration === 'string' ? parseDuration(duration) : checked(duration);
  try {
    const key = `${zone}\u0000${at}\u0000${FIELDS.map((field) => d[field]).join(' ')}`;
    return subtracted(
      key,
      () => toZoned(at, zone).subtract(Temporal.Duration.from(d)).epochMilliseconds,
    );
  } catch {
    throw new TimeExpressionError(
      `subtracting ${durationText(d)} from ${toZoned(at, zone).toString({ timeZoneName: 'never' })} goes beyond the supported range of dates`,
    );
  }
}

const subtracted = memory<number>();

/** addDuration for a checked duration object, but null when the result is out of range. */
export function addScaled(at: number, d: IsoDuration, zone: string, times: number): number | null {
  if (!Number.isSafeInteger(times) || times < 0) {
    throw new RangeError(`times must be a whole number >= 0, got ${times}`);
  }
  const start = toZoned(at, zone);
  try {
    const scaled = Object.fromEntries(FIELDS.map((field) => [field, d[field] * times]));
    return start.add(Temporal.Duration.from(scaled)).epochMilliseconds;
  } catch {
    return null;
  }
}

/** True when every field is 0: such a duration never moves time forward. */
export function isZeroDuration(d: IsoDuration): boolean {
  return FIELDS.every((field) => d[field] === 0);
}

/** Canonical ISO text of a duration, e.g. P1DT12H, PT0.5S, PT0S. */
export function durationText(d: IsoDuration): string {
  return Temporal.Duration.from(d).toString();
}

function whole(digits: string | undefined, text: string): number {
  const value = Number(digits ?? '0');
  if (!Number.isSafeInteger(value)) {
    throw new TimeExpressionError(`${quote(text)} is too long a duration`);
  }
  return value;
}

function toTemporal(d: IsoDuration, message: () => string): Temporal.Duration {
  try {
    return Temporal.Duration.from(d);
  } catch {
    throw new TimeExpressionError(message());
  }
}

/** RangeError unless every field of `d` is a whole number >= 0. */
export function checked(d: IsoDuration): IsoDuration {
  for (const field of FIELDS) {
    const value = d[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`duration field ${field} must be a whole number >= 0, got ${value}`);
    }
  }
  return d;
}

/** A hint for the most common mistakes, or the generic list of examples. */
function why(text: string): string {
  const upper = text.toUpperCase();
  if (upper === '') return ': the text is empty ' + EXAMPLES;
  if (upper.startsWith('-') || upper.startsWith('+')) {
    return ': signed durations are not supported, write e.g. P1D';
  }
  if (/^P(?:\d+[YMWD])*\d+[HS]/.test(upper)) {
    return ': hours, minutes and seconds go after "T", e.g. PT1H, P1DT2H';
  }
  if (/\d[.,]\d+[YMWDHM]/.test(upper)) {
    return ': only seconds may have a fraction, e.g. PT0.5S, PT90M instead of PT1.5H';
  }
  if (upper === 'P' || upper.endsWith('T')) {
    return ': at least one number and unit must follow ' + EXAMPLES;
  }
  return ' ' + EXAMPLES;
}
