import { DEFAULT_TIME_ZONE, TimeExpressionError, quote } from './common.js';
import { parseDateTime } from './date-time.js';
import {
  type IsoDuration,
  addScaled,
  checked,
  durationText,
  isZeroDuration,
  parseDuration,
} from './duration.js';

/** An ISO-8601 repeating interval (a BPMN timeCycle). */
export interface TimerCycle {
  /** How many times the timer fires; null = unbounded (`R/...`). */
  readonly repetitions: number | null;
  /** First firing (epoch ms), or null: then the first firing is one period after creation. */
  readonly start: number | null;
  /** No firing after this instant (epoch ms), or null. */
  readonly end: number | null;
  /** The period; never zero. */
  readonly duration: IsoDuration;
}

const EXAMPLES =
  '(expected e.g. R3/PT10M, R/P1D, R5/2026-01-01T09:00:00+08:00/P1D, R5/P1D/2026-02-01)';

/**
 * Parses `R[n]/duration`, `R[n]/start/duration` or `R[n]/duration/end`. `Rn` needs n >= 1;
 * a bare `R` repeats without bound. Dates without an offset are wall-clock times in `zone`
 * (default DEFAULT_TIME_ZONE). Throws TimeExpressionError, e.g. for `R3`, `P1D` (a plain
 * duration is not a cycle), `R0/P1D`, or a zero period such as `R3/P0D`.
 */
export function parseCycle(text: string, zone: string = DEFAULT_TIME_ZONE): TimerCycle {
  if (typeof text !== 'string') {
    throw new TimeExpressionError(
      `expected an ISO-8601 repeating interval text, got ${typeof text}`,
    );
  }
  const trimmed = text.trim();
  const fail = (reason: string) =>
    new TimeExpressionError(`${quote(trimmed)} is not an ISO-8601 repeating interval: ${reason}`);
  const nested = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw error instanceof TimeExpressionError ? fail(error.message) : error;
    }
  };

  const slash = trimmed.indexOf('/');
  const head = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const rest = slash < 0 ? '' : trimmed.slice(slash + 1);
  const repetitions = parseRepetitions(head, trimmed, fail);
  if (rest === '') throw fail(`the period is missing, e.g. ${head}/PT10M ${EXAMPLES}`);

  let startText: string | null = null;
  let durationPart: string;
  let endText: string | null = null;
  if (/^P/i.test(rest)) {
    // R/duration or R/duration/end (an end date may hold a zone name with slashes).
    const cut = rest.indexOf('/');
    durationPart = cut < 0 ? rest : rest.slice(0, cut);
    endText = cut < 0 ? null : rest.slice(cut + 1);
  } else {
    // R/start/duration (a start date may hold a zone name with slashes; a duration has none).
    const cut = rest.lastIndexOf('/');
    if (cut < 0) {
      throw fail(`the period is missing after the start ${quote(rest)} ${EXAMPLES}`);
    }
    startText = rest.slice(0, cut);
    durationPart = rest.slice(cut + 1);
    if (!/^P/i.test(durationPart)) {
      throw fail(
        `expected a period (e.g. P1D) after the start ${quote(startText)}, found ${quote(durationPart)}; start/end intervals are not supported`,
      );
    }
  }

  const duration = nested(() => parseDuration(durationPart));
  if (isZeroDuration(duration)) {
    throw fail(`the period ${durationText(duration)} is zero, so the timer would never advance`);
  }
  const start = startText === null ? null : nested(() => parseDateTime(startText, zone));
  const end = endText === null ? null : nested(() => parseDateTime(endText, zone));
  return Object.freeze({ repetitions, start, end, duration });
}

/**
 * Due time of the `index`-th firing (0-based) of `cycle`: start + index × period when the
 * cycle has a start, else anchor + (index + 1) × period, where `anchor` is when the timer was
 * created. Periods are multiplied, not iterated, so R/2026-01-31T09:00/P1M fires Jan 31,
 * Feb 28, Mar 31, Apr 30 (see addDuration for the calendar rules in `zone`). Null when
 * index >= repetitions, when the time would be after `end`, or beyond the range of dates.
 * RangeError when `index` is not a whole number >= 0 or `anchor` (used only without a start)
 * is not a usable instant. Strictly increasing in `index`, except in a zone that skipped a
 * whole calendar day (Pacific/Apia 2011-12-30), where a P1D cycle fires twice at one instant.
 */
export function cycleDueAt(
  cycle: TimerCycle,
  anchor: number,
  index: number,
  zone: string = DEFAULT_TIME_ZONE,
): number | null {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`index must be a whole number >= 0, got ${index}`);
  }
  if (cycle.repetitions !== null && index >= cycle.repetitions) return null;
  const base = cycle.start ?? anchor;
  const times = cycle.start === null ? index + 1 : index;
  if (!Number.isSafeInteger(times)) return null;
  const due = addScaled(base, checked(cycle.duration), zone, times);
  if (due === null) return null;
  return cycle.end !== null && due > cycle.end ? null : due;
}

function parseRepetitions(
  head: string,
  text: string,
  fail: (reason: string) => TimeExpressionError,
): number | null {
  const match = /^R(\d*)$/i.exec(head);
  if (!match) {
    if (text === '') throw fail(`the text is empty ${EXAMPLES}`);
    if (/^P/i.test(head) && !text.includes('/')) {
      throw fail(
        `a plain duration is not a cycle; write R/${text} to repeat it without end, or R3/${text} for 3 times`,
      );
    }
    if (/^R[-+]/i.test(head)) {
      throw fail(
        `the repetition count in "${head}" must be a whole number >= 1 (or R alone for unbounded)`,
      );
    }
    throw fail(`it must start with "R" or "R<count>" ${EXAMPLES}`);
  }
  if (match[1] === '') return null;
  const count = Number(match[1]);
  if (count === 0) {
    throw fail('R0 would never fire; the repetition count must be >= 1 (or R alone for unbounded)');
  }
  if (!Number.isSafeInteger(count)) {
    throw fail(`the repetition count ${match[1]} is too large`);
  }
  return count;
}
