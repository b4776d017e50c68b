import { TimeExpressionError, quote } from './common.js';
import type { TimerCycle } from './cycle.js';
import { type IsoDuration, durationText, parseDuration } from './duration.js';

/**
 * How often and how long a timer cycle may fire. Lint (and deploy) refuse a static cycle over
 * them; the engine raises an incident for a cycle computed by FEEL at run time.
 */
export interface TimerLimits {
  /** Shortest period of any cycle (ISO-8601 duration). Default PT1M. */
  readonly minInterval: string;
  /** Largest repetition count `R<n>`. Default 1000. */
  readonly maxRepetitions: number;
  /**
   * Shortest period of an open-ended cycle: one with neither a count nor an end date, on an
   * element that may wait for ever (see {@link checkCycleLimits}). Default P1D.
   */
  readonly minOpenInterval: string;
}

export const DEFAULT_TIMER_LIMITS: TimerLimits = Object.freeze({
  minInterval: 'PT1M',
  maxRepetitions: 1000,
  minOpenInterval: 'P1D',
});

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/**
 * The nominal length of a duration in milliseconds, for comparing periods: a day is 24 hours,
 * a week 7 days, a month 28 days and a year 365 days (the shortest each can be, DST aside).
 */
export function nominalMs(d: IsoDuration): number {
  return (
    d.years * 365 * DAY +
    d.months * 28 * DAY +
    d.weeks * 7 * DAY +
    d.days * DAY +
    d.hours * 3600 * SECOND +
    d.minutes * 60 * SECOND +
    d.seconds * SECOND +
    d.milliseconds
  );
}

/**
 * Null when `cycle` keeps to `limits`, else one line saying which limit it breaks:
 * - its period is shorter than `minInterval`;
 * - its count is above `maxRepetitions`;
 * - it is open-ended (`R/…` without an end date) on an element that may wait for ever
 *   (`open`: the caller knows; in BPMN a non-interrupting boundary timer on an activity that
 *   nothing interrupts on time), and its period is shorter than `minOpenInterval`.
 * An open-ended cycle elsewhere (a timer start event, or an activity with an interrupting timer
 * boundary event) is bounded by what ends it. TimeExpressionError for malformed limits.
 */
export function checkCycleLimits(
  text: string,
  cycle: TimerCycle,
  limits: TimerLimits = DEFAULT_TIMER_LIMITS,
  open = false,
): string | null {
  const period = nominalMs(cycle.duration);
  const shown = `timeCycle ${quote(text.trim())}`;
  // only short periods are shown: a huge one may be beyond what Temporal can print
  const every = () => durationText(cycle.duration);
  const min = limit(limits.minInterval, 'minInterval');
  if (period < nominalMs(min)) {
    return `${shown} repeats every ${every()}, more often than the minimum timer interval ${durationText(min)}`;
  }
  if (cycle.repetitions !== null && cycle.repetitions > limits.maxRepetitions) {
    return `${shown} repeats ${cycle.repetitions} times, more than the maximum of ${limits.maxRepetitions} repetitions`;
  }
  const openMin = limit(limits.minOpenInterval, 'minOpenInterval');
  if (open && cycle.repetitions === null && cycle.end === null && period < nominalMs(openMin)) {
    return (
      `${shown} repeats every ${every()} without end while its activity may wait for ever; ` +
      `give it a count (R<n>/…, n <= ${limits.maxRepetitions}), an end date, or a period of at least ${durationText(openMin)}`
    );
  }
  return null;
}

function limit(text: string, name: string): IsoDuration {
  try {
    return parseDuration(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TimeExpressionError(`timer limit ${name}: ${reason}`);
  }
}
