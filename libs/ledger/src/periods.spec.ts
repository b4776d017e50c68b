import { describe, expect, it } from '@jest/globals';
import { LedgerException } from './ledger.exception.js';
import { periodsBetween } from './periods.js';

describe('periodsBetween', () => {
  it('gives calendar months in the zone, end exclusive', () => {
    expect(periodsBetween('month', '2026-01', '2026-03', 'Asia/Shanghai')).toEqual([
      {
        label: '2026-01',
        start: Date.parse('2026-01-01T00:00:00+08:00'),
        end: Date.parse('2026-02-01T00:00:00+08:00'),
      },
      {
        label: '2026-02',
        start: Date.parse('2026-02-01T00:00:00+08:00'),
        end: Date.parse('2026-03-01T00:00:00+08:00'),
      },
      {
        label: '2026-03',
        start: Date.parse('2026-03-01T00:00:00+08:00'),
        end: Date.parse('2026-04-01T00:00:00+08:00'),
      },
    ]);
  });

  it('widens to whole quarters and crosses the year', () => {
    const quarters = periodsBetween('quarter', '2025-11', '2026-02', 'Asia/Shanghai');
    expect(quarters.map((q) => q.label)).toEqual(['2025-Q4', '2026-Q1']);
    expect(quarters[0].start).toBe(Date.parse('2025-10-01T00:00:00+08:00'));
    expect(quarters[1].end).toBe(Date.parse('2026-04-01T00:00:00+08:00'));
  });

  it('refuses bad months and reversed ranges', () => {
    expect(() => periodsBetween('month', '2026-13', '2026-12', 'Asia/Shanghai')).toThrow(
      LedgerException,
    );
    expect(() => periodsBetween('month', '2026-05', '2026-04', 'Asia/Shanghai')).toThrow(
      /不能早于/,
    );
  });
});
