import { LIVE_STATES, type LedgerState, type TrafficLight } from './ledger.types.js';

const DAY_MS = 24 * 3600_000;

/**
 * The instant an item counts as due: its due time, but never less than `graceDays` × 24 h after
 * it was opened — a step opened after (or shortly before) its nominal deadline, as a theme day
 * first started in mid-month, gets that long before it is red, overdue or escalated. null
 * without a deadline.
 */
export function effectiveDue(
  item: { readonly dueAt: Date | number | null; readonly createdAt?: Date | number | null },
  graceDays: number,
): number | null {
  if (item.dueAt === null) return null;
  const due = typeof item.dueAt === 'number' ? item.dueAt : item.dueAt.getTime();
  if (item.createdAt === undefined || item.createdAt === null) return due;
  const opened = typeof item.createdAt === 'number' ? item.createdAt : item.createdAt.getTime();
  return Math.max(due, opened + graceDays * DAY_MS);
}

/**
 * 亮灯 of an item at `now`: null once closed or cancelled; red when `now` is past the (effective,
 * see `effectiveDue`) due time; yellow when it falls due within `yellowDays` × 24 h (the due
 * instant itself is still yellow); green otherwise, and always green without a deadline.
 * Submitted items keep their light until they are closed (销号 is what ends an item, not the
 * submission).
 */
export function trafficLight(
  item: {
    readonly state: LedgerState;
    readonly dueAt: Date | number | null;
    readonly createdAt?: Date | number | null;
  },
  now: number,
  yellowDays: number,
  graceDays = 0,
): TrafficLight | null {
  if (!LIVE_STATES.includes(item.state)) return null;
  const due = effectiveDue(item, graceDays);
  if (due === null) return 'green';
  if (now > due) return 'red';
  if (due - now <= yellowDays * DAY_MS) return 'yellow';
  return 'green';
}

/** The instant up to which a due time is yellow (inclusive), as the SQL filters use it. */
export function yellowUntil(now: number, yellowDays: number): number {
  return now + yellowDays * DAY_MS;
}
