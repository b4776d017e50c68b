import { DEFAULT_TIME_ZONE, TimeExpressionError, quote } from './common.js';
import { cycleDueAt, parseCycle } from './cycle.js';
import { parseDateTime } from './date-time.js';
import { addDuration, parseDuration } from './duration.js';

/** The three BPMN timer event definitions. */
export type TimerKind = 'timeDate' | 'timeDuration' | 'timeCycle';

/**
 * Null when `text` is a valid static (non-FEEL) expression of `kind`, otherwise a one-line
 * message saying why, e.g. `timeDuration "1 day" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)`.
 */
export function checkTimerExpression(kind: TimerKind, text: string): string | null {
  if (typeof text === 'string' && text.trim().startsWith('=')) {
    return `${kind} ${quote(text.trim())} is a FEEL expression, not a static value: evaluate it, then check the result`;
  }
  try {
    switch (kind) {
      case 'timeDate':
        parseDateTime(text);
        return null;
      case 'timeDuration':
        parseDuration(text);
        return null;
      case 'timeCycle':
        parseCycle(text);
        return null;
      default:
        return `unknown timer kind ${quote(String(kind))} (expected timeDate, timeDuration or timeCycle)`;
    }
  } catch (error) {
    if (error instanceof TimeExpressionError) return `${kind} ${error.message}`;
    throw error;
  }
}

/**
 * When a timer created at `activatedAt` first falls due: timeDate -> that date (even if it is
 * already past); timeDuration -> activatedAt + duration; timeCycle -> its first firing
 * (cycleDueAt index 0), or null when the cycle has no firing at all (it ends before).
 * Throws TimeExpressionError on bad text or an unknown kind.
 */
export function firstDueAt(
  kind: TimerKind,
  text: string,
  activatedAt: number,
  zone: string = DEFAULT_TIME_ZONE,
): number | null {
  switch (kind) {
    case 'timeDate':
      return parseDateTime(text, zone);
    case 'timeDuration':
      return addDuration(activatedAt, parseDuration(text), zone);
    case 'timeCycle':
      return cycleDueAt(parseCycle(text, zone), activatedAt, 0, zone);
    default:
      throw new TimeExpressionError(
        `unknown timer kind ${quote(String(kind))} (expected timeDate, timeDuration or timeCycle)`,
      );
  }
}
