import { LIVE_STATES, type LedgerState, type TrafficLight } from './ledger.types.js';

const DAY_MS = 24 * 3600_000;

/**
 * 亮灯 of an item at `now`: null once closed or cancelled; red when `now` is past the due
 * time; yellow when it falls due within `yellowDays` × 24 h (the due instant itself is still
 * yellow); green otherwise, and always green without a deadline. Submitted items keep their
 * light until they are closed (销号 is what ends an item, not the submission).
 */
export function trafficLight(
  item: { readonly state: LedgerState; readonly dueAt: Date | number | null },
  now: number,
  yellowDays: number,
): TrafficLight | null {
  if (!LIVE_STATES.includes(item.state)) return null;
  if (item.dueAt === null) return 'green';
  const due = typeof item.dueAt === 'number' ? item.dueAt : item.dueAt.getTime();
  if (now > due) return 'red';
  if (due - now <= yellowDays * DAY_MS) return 'yellow';
  return 'green';
}

/** The instant up to which a due time is yellow (inclusive), as the SQL filters use it. */
export function yellowUntil(now: number, yellowDays: number): number {
  return now + yellowDays * DAY_MS;
}
