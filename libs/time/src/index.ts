/**
 * @app/time — ISO-8601 durations, dates and repeating cycles for BPMN timers.
 *
 * Pure: no clock reads, no I/O. Every function takes the instant it needs as an argument;
 * instants are epoch milliseconds (`number`). Calendar arithmetic uses `temporal-polyfill`.
 *
 * - `parseDuration('P1DT12H')` -> `{ days: 1, hours: 12, ...zeros }`; fractions on seconds only
 *   (`PT0.5S`), no signs.
 * - `addDuration(at, 'P1M', zone, times)` -> at + P1M × times. Years/months/weeks/days move the
 *   wall clock of `zone` with month ends clamped (Jan 31 + P1M = Feb 28/29, Jan 31 + P1M × 2 =
 *   Mar 31: the duration is multiplied, never iterated); hours/minutes/seconds are exact elapsed
 *   time (so across a DST change P1D keeps the wall-clock time and PT24H does not).
 * - `parseDateTime('2026-12-01T09:00:00+08:00' | '...Z' | '2026-12-01T09:00:00' | '2026-12-01'
 *   | '...[Asia/Shanghai]' | '...@Asia/Shanghai', zone)`: text without an offset is wall-clock
 *   time in `zone`, a date alone is the start of that day. `formatInstant(at, zone)` is the
 *   reverse: `2026-03-02T09:00:00+08:00`, with `.sss` only when the milliseconds are not 0.
 * - `parseCycle('R3/PT10M' | 'R/P1D' | 'R5/<start>/P1D' | 'R5/P1D/<end>', zone)` and
 *   `cycleDueAt(cycle, anchor, index, zone)`: the index-th firing (0-based) is start +
 *   index × period, or without a start anchor + (index + 1) × period; null once the repetitions
 *   are used up or past `end`.
 * - `checkTimerExpression(kind, text)` validates a static timeDate / timeDuration / timeCycle
 *   (null or a one-line message); `firstDueAt(kind, text, activatedAt, zone)` is when a timer
 *   created at `activatedAt` first falls due.
 * - `checkCycleLimits(text, cycle, limits, open)`: null, or which of the TimerLimits (minimum
 *   period, most repetitions, minimum period of an open-ended cycle) a cycle breaks.
 *
 * `zone` is an IANA name or a ±HH:MM offset, default `DEFAULT_TIME_ZONE` (Asia/Shanghai, UTC+8,
 * no DST). Bad text or an unknown zone throws `TimeExpressionError`, whose message quotes the
 * text; a bad numeric argument (non-integer instant, negative `times` or `index`) is a
 * programming error and throws `RangeError`.
 */
export { DEFAULT_TIME_ZONE, TimeExpressionError } from './common.js';
export { type IsoDuration, addDuration, parseDuration, subtractDuration } from './duration.js';
export { formatInstant, parseDateTime } from './date-time.js';
export { type TimerCycle, cycleDueAt, parseCycle } from './cycle.js';
export { type TimerKind, checkTimerExpression, firstDueAt } from './timer.js';
export { DEFAULT_TIMER_LIMITS, type TimerLimits, checkCycleLimits } from './limits.js';
