import { describe, expect, it } from '@jest/globals';
import { dueWords } from './due';
import { calendarDaysBetween, formatDate, formatDateTime, shanghaiDay, shanghaiWeek } from './time';

// Sunday 6 December 2026, 10:00 in Shanghai (02:00 UTC)
const NOW = Date.parse('2026-12-06T10:00:00+08:00');

describe('dueWords (against the server’s now, in Asia/Shanghai calendar days)', () => {
  it('counts the days left by the calendar in Shanghai, not by 24-hour periods', () => {
    expect(dueWords('2026-12-08T15:59:59Z', NOW)).toBe('还剩 2 天'); // 8 Dec 23:59 in Shanghai
    expect(dueWords('2026-12-07T00:30:00+08:00', NOW)).toBe('明天到期'); // 14.5 h away, tomorrow
    expect(dueWords('2026-12-06T23:59:59+08:00', NOW)).toBe('今天到期');
    // 23:00 UTC on the 6th is already the 7th in Shanghai
    expect(dueWords('2026-12-06T23:00:00Z', NOW)).toBe('明天到期');
  });

  it('says how late, and that the grace still runs when the api does not count it overdue', () => {
    expect(dueWords('2026-12-03T15:59:59Z', NOW)).toBe('已逾期 3 天');
    expect(dueWords('2026-12-03T15:59:59Z', NOW, true)).toBe('已逾期 3 天');
    expect(dueWords('2026-12-05T15:59:59Z', NOW, false)).toBe('已过期限 1 天（宽限期内）');
    expect(dueWords('2026-12-06T08:00:00+08:00', NOW)).toBe('今天已到期');
  });

  it('reads no or a broken due time as no deadline', () => {
    expect(dueWords(null, NOW)).toBe('无期限');
    expect(dueWords('not a time', NOW)).toBe('无期限');
  });
});

describe('times for people', () => {
  it('formats in Asia/Shanghai whatever the machine’s zone', () => {
    expect(formatDateTime('2026-12-05T15:59:59Z')).toBe('2026/12/05 23:59');
    expect(formatDateTime(null)).toBe('—');
  });

  it('agrees with Intl’s Asia/Shanghai, also across the daylight saving time of 1986 to 1991', () => {
    const intl = new Intl.DateTimeFormat('zh-CN', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const from = Date.UTC(1985, 0, 1);
    const to = Date.UTC(2040, 0, 1);
    // every 73 hours: through every hour of the day and every day of the week over the years
    for (let at = from; at < to; at += 73 * 3_600_000) {
      const expected = intl.format(at);
      expect(formatDateTime(at)).toBe(expected);
      expect(formatDate(at)).toBe(expected.slice(0, 10));
      expect(shanghaiDay(at)).toBe(expected.slice(0, 10).replaceAll('/', '-'));
    }
  });

  it('counts calendar days and weeks (Monday to Monday) in Shanghai', () => {
    expect(calendarDaysBetween(NOW, '2026-12-06T16:00:00Z')).toBe(1);
    const week = shanghaiWeek(NOW);
    expect(new Date(week.start).toISOString()).toBe('2026-11-29T16:00:00.000Z'); // Mon 30 Nov 00:00
    expect(new Date(week.end).toISOString()).toBe('2026-12-06T16:00:00.000Z'); // Mon 7 Dec 00:00
  });
});
