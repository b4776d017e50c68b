/** Times for people: Asia/Shanghai, Chinese; machines get ISO-8601 from the api as it is. */
export const TIME_ZONE = 'Asia/Shanghai';

type Instant = string | number | Date;

function toDate(value: Instant): Date {
  return value instanceof Date ? value : new Date(value);
}

/**
 * Shanghai's wall clock by arithmetic: Asia/Shanghai has kept UTC+8 all year since 1992 (its
 * last daylight saving time was in 1991). An Intl.DateTimeFormat for a time zone costs tens of
 * milliseconds the first time a page makes one (the browser loads the zone's data) — time the
 * inbox's first render would spend; it is made only for an instant before 1992.
 */
const OFFSET_MS = 8 * 3_600_000;
const FIXED_OFFSET_SINCE = Date.UTC(1991, 11, 31, 16); // 1 January 1992, 00:00 in Shanghai

let zoned: Intl.DateTimeFormat | undefined;

/** Year, month, day, hour and minute in Shanghai, zero-padded. */
function wallClock(date: Date): [string, string, string, string, string] {
  if (date.getTime() >= FIXED_OFFSET_SINCE) {
    const shifted = new Date(date.getTime() + OFFSET_MS);
    return [
      String(shifted.getUTCFullYear()),
      pad(shifted.getUTCMonth() + 1),
      pad(shifted.getUTCDate()),
      pad(shifted.getUTCHours()),
      pad(shifted.getUTCMinutes()),
    ];
  }
  zoned ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const parts = Object.fromEntries(
    zoned.formatToParts(date).map((part) => [part.type, part.value]),
  );
  return [parts.year, parts.month, parts.day, parts.hour, parts.minute];
}

const pad = (value: number) => String(value).padStart(2, '0');

/** 「2026/11/26 14:30」 in Asia/Shanghai; 「—」 for none. */
export function formatDateTime(value: Instant | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  const [year, month, day, hour, minute] = wallClock(date);
  return `${year}/${month}/${day} ${hour}:${minute}`;
}

/** 「2026/11/26」 in Asia/Shanghai. */
export function formatDate(value: Instant | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  const [year, month, day] = wallClock(date);
  return `${year}/${month}/${day}`;
}

/** The calendar day in Asia/Shanghai as `YYYY-MM-DD`. */
export function shanghaiDay(value: Instant): string {
  const [year, month, day] = wallClock(toDate(value));
  return `${year}-${month}-${day}`;
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
