import { calendarDaysBetween } from './time';

/** A due time in words against `now` (the server's clock: serverNow()): 「还剩 2 天」「今天到期」「已逾期 3 天」. */
export function dueWords(dueAt: string | null | undefined, now: number, overdue?: boolean): string {
  if (!dueAt) return '无期限';
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return '无期限';
  const days = calendarDaysBetween(now, due);
  if (due < now) {
    const late = Math.max(1, -days);
    // Past its due time but still within the grace the api allows: not yet 逾期
    if (overdue === false)
      return days === 0 ? '今天已到期（宽限期内）' : `已过期限 ${late} 天（宽限期内）`;
    return days === 0 ? '今天已到期' : `已逾期 ${late} 天`;
  }
  if (days === 0) return '今天到期';
  if (days === 1) return '明天到期';
  return `还剩 ${days} 天`;
}
