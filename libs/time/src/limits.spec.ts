import { describe, expect, it } from '@jest/globals';
import { TimeExpressionError } from './common.js';
import { parseCycle } from './cycle.js';
import { parseDuration } from './duration.js';
import { DEFAULT_TIMER_LIMITS, checkCycleLimits, nominalMs } from './limits.js';

const check = (text: string, open = false, limits = DEFAULT_TIMER_LIMITS) =>
  checkCycleLimits(text, parseCycle(text), limits, open);

describe('checkCycleLimits', () => {
  describe('given the default limits (PT1M, 1000 repetitions, open-ended at least P1D)', () => {
    it.each([
      ['R3/PT1M', false],
      ['R1000/PT10M', false],
      ['R/PT1M', false],
      ['R/P1D', true],
      ['R/P3M', true],
      ['R/PT1H/2026-02-01T00:00:00Z', true],
      ['R24/PT1H', true],
      ['R/2026-01-01T09:00:00+08:00/P1M', true],
    ])('when %s is checked (open %s), then it is within them', (text, open) => {
      expect(check(text, open)).toBeNull();
    });

    it('when a cycle repeats every second, then the minimum interval is named', () => {
      expect(check('R/PT1S')).toBe(
        'timeCycle "R/PT1S" repeats every PT1S, more often than the minimum timer interval PT1M',
      );
    });

    it('when a cycle repeats every millisecond a million times, then the interval is named first', () => {
      expect(check('R1000000/PT0.001S')).toBe(
        'timeCycle "R1000000/PT0.001S" repeats every PT0.001S, more often than the minimum timer interval PT1M',
      );
    });

    it('when a cycle asks for more repetitions than the maximum, then the maximum is named', () => {
      expect(check('R1001/PT1H')).toBe(
        'timeCycle "R1001/PT1H" repeats 1001 times, more than the maximum of 1000 repetitions',
      );
    });

    it('when an open-ended hourly cycle may wait for ever, then it must be bounded', () => {
      expect(check('R/PT1H', true)).toBe(
        'timeCycle "R/PT1H" repeats every PT1H without end while its activity may wait for ever; ' +
          'give it a count (R<n>/…, n <= 1000), an end date, or a period of at least P1D',
      );
    });

    it('when the same open-ended hourly cycle is ended by something else, then it is accepted', () => {
      expect(check('R/PT1H', false)).toBeNull();
    });
  });

  describe('given limits of its own', () => {
    const limits = { minInterval: 'PT1S', maxRepetitions: 5, minOpenInterval: 'PT1M' };

    it('when a cycle is checked, then those limits apply', () => {
      expect(check('R/PT1S', false, limits)).toBeNull();
      expect(check('R6/PT1M', false, limits)).toMatch(/more than the maximum of 5 repetitions$/);
      expect(check('R/PT30S', true, limits)).toMatch(/or a period of at least PT1M$/);
      expect(check('R/PT1M', true, limits)).toBeNull();
    });

    it('when a limit is not a duration, then it says which', () => {
      expect(() => check('R/PT1M', false, { ...limits, minInterval: 'soon' })).toThrow(
        TimeExpressionError,
      );
      expect(() => check('R/PT1M', false, { ...limits, minInterval: 'soon' })).toThrow(
        /^timer limit minInterval: "soon" is not an ISO-8601 duration/,
      );
    });
  });

  it('given a period too long for Temporal to print, when checked, then it is simply within', () => {
    expect(check('R3/PT9007199254740991S')).toBeNull();
  });
});

describe('nominalMs', () => {
  it.each([
    ['PT1M', 60_000],
    ['P1D', 86_400_000],
    ['P1W', 7 * 86_400_000],
    ['P1M', 28 * 86_400_000],
    ['P1Y', 365 * 86_400_000],
    ['PT0.5S', 500],
  ])('%s is %d ms', (text, ms) => {
    expect(nominalMs(parseDuration(text))).toBe(ms);
  });
});
