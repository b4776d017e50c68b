/** Times for people: Asia/Shanghai, Chinese; machines get ISO-8601 from the api as it is. */
export const TIME_ZONE = 'Asia/Shanghai';

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dateOnly = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const dayKey = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

type Instant = string | number | Date;

function toDate(value: Instant): Date {
  return value instanceof Date ? value : new Date(value);
}

/** 「2026/11/26 14:30」 in Asia/Shanghai; 「—」 for none. */
export function formatDateTime(value: Instant | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

/** 「2026/11/26」 in Asia/Shanghai. */
export function formatDate(value: Instant | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? '—' : dateOnly.format(date);
}

/** The calendar day in Asia/Shanghai as `YYYY-MM-DD`. */
export function shanghaiDay(value: Instant): string {
  return dayKey.format(toDate(value));
}

const DAY_MS = 86_400_000;

/** Whole calendar days (Asia/Shanghai) from `now` to `value`: 0 today, 1 tomorrow, -1 yesterday. */
export function calendarDaysBetween(now: Instant, value: Instant): number {
  const from = Date.parse(`${shanghaiDay(now)}T00:00:00Z`);
  const to = Date.parse(`${shanghaiDay(value)}T00:00:00Z`);
  return Math.round((to - from) / DAY_MS);
}

/** Monday 00:00 to next Monday 00:00 (Asia/Shanghai) of the week holding `now`, as instants. */
export function shanghaiWeek(now: Instant): { start: number; end: number } {
  const day = shanghaiDay(now);
  const midnight = Date.parse(`${day}T00:00:00+08:00`);
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  const sinceMonday = (weekday + 6) % 7;
  const start = midnight - sinceMonday * DAY_MS;
  return { start, end: start + 7 * DAY_MS };
}
