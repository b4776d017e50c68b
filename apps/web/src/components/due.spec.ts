import { describe, expect, it } from '@jest/globals';
import { dueWords } from './due';
import { calendarDaysBetween, formatDateTime, shanghaiWeek } from './time';

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

  it('counts calendar days and weeks (Monday to Monday) in Shanghai', () => {
    expect(calendarDaysBetween(NOW, '2026-12-06T16:00:00Z')).toBe(1);
    const week = shanghaiWeek(NOW);
    expect(new Date(week.start).toISOString()).toBe('2026-11-29T16:00:00.000Z'); // Mon 30 Nov 00:00
    expect(new Date(week.end).toISOString()).toBe('2026-12-06T16:00:00.000Z'); // Mon 7 Dec 00:00
  });
});
