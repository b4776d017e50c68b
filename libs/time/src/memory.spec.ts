import { describe, expect, it } from '@jest/globals';
import { Temporal } from 'temporal-polyfill';
import { TimeExpressionError, memory } from './common.js';
import { parseDateTime } from './date-time.js';
import { subtractDuration } from './duration.js';

const at = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;

describe('remembered conversions', () => {
  it('memory answers a kept result by key, computes each key once, and never keeps an error', () => {
    const remember = memory<number>(2);
    let calls = 0;
    const compute = (value: number) => () => {
      calls += 1;
      return value;
    };
    expect(remember('a', compute(1))).toBe(1);
    expect(remember('a', compute(99))).toBe(1);
    expect(calls).toBe(1);
    expect(() =>
      remember('bad', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(remember('bad', compute(3))).toBe(3);
    // full at two keys: emptied, then computed again
    expect(remember('c', compute(4))).toBe(4);
    expect(remember('a', compute(5))).toBe(5);
  });

  it('parseDateTime keeps the zone in its key, and refuses bad text every time', () => {
    const text = '2026-12-31T23:59:59';
    for (let i = 0; i < 2; i++) {
      expect(parseDateTime(text, 'Asia/Shanghai')).toBe(at('2026-12-31T15:59:59Z'));
      expect(parseDateTime(text, 'UTC')).toBe(at('2026-12-31T23:59:59Z'));
      expect(() => parseDateTime('2026-02-30', 'UTC')).toThrow(TimeExpressionError);
    }
  });

  it('subtractDuration keeps the instant, the zone and every field in its key', () => {
    const t = at('2026-03-31T12:00:00Z');
    for (let i = 0; i < 2; i++) {
      expect(subtractDuration(t, 'P1M', 'UTC')).toBe(at('2026-02-28T12:00:00Z'));
      expect(subtractDuration(t, 'P1D', 'UTC')).toBe(at('2026-03-30T12:00:00Z'));
      expect(subtractDuration(t, 'PT1H', 'UTC')).toBe(at('2026-03-31T11:00:00Z'));
      expect(subtractDuration(t + 1, 'PT1H', 'UTC')).toBe(at('2026-03-31T11:00:00.001Z'));
      expect(subtractDuration(t, 'P1D', 'America/New_York')).toBe(at('2026-03-30T12:00:00Z'));
    }
  });
});
