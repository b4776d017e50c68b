import { Temporal } from 'temporal-polyfill';

/** Zone used when a caller gives none: mainland China, UTC+8 all year (no DST since 1991). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/**
 * Thrown for malformed or unusable time text: durations, dates, cycles, time zone names,
 * or values whose result falls outside the range of representable dates.
 * The message is one line and quotes the offending text.
 */
export class TimeExpressionError extends Error {
  override readonly name = 'TimeExpressionError';
}

/** Quotes text for an error message: one line (JSON escapes), long text shortened. */
export function quote(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(shown);
}

/**
 * A bounded memory of a pure function's results by key: `remember(key, compute)` answers what
 * `compute` answered for that key before, or computes and keeps it (errors are never kept).
 * Emptied when `size` keys are held. For the Temporal-backed conversions a batch of starts
 * repeats with the same inputs (every branch's step due at the same month end).
 */
export function memory<T>(size = 10_000): (key: string, compute: () => T) => T {
  const known = new Map<string, T>();
  return (key, compute) => {
    if (known.has(key)) return known.get(key) as T;
    const value = compute();
    if (known.size >= size) known.clear();
    known.set(key, value);
    return value;
  };
}

const usableZones = new Set<string>();

/** Throws TimeExpressionError unless `zone` is an IANA zone name or a ±HH:MM offset. */
export function checkZone(zone: string): void {
  if (usableZones.has(zone)) return;
  if (typeof zone !== 'string' || zone.trim() === '') {
    throw new TimeExpressionError(`time zone must be a non-empty string, got ${String(zone)}`);
  }
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
  } catch {
    throw new TimeExpressionError(
      `unknown time zone ${quote(zone)} (expected an IANA name such as Asia/Shanghai, or an offset such as +08:00)`,
    );
  }
  if (usableZones.size >= 1_000) usableZones.clear();
  usableZones.add(zone);
}

/** The instant `at` (epoch ms) seen in `zone`. RangeError when `at` is not a usable instant. */
export function toZoned(at: number, zone: string): Temporal.ZonedDateTime {
  checkZone(zone);
  if (!Number.isSafeInteger(at)) {
    throw new RangeError(`instant must be a whole number of epoch milliseconds, got ${at}`);
  }
  try {
    return Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone);
  } catch {
    throw new RangeError(`instant ${at} is outside the supported range of dates`);
  }
}
