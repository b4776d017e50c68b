import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { TimeExpressionError } from './common.js';
import { type TimerCycle, cycleDueAt, parseCycle } from './cycle.js';
import { formatInstant } from './date-time.js';
import { type IsoDuration, addDuration, parseDuration } from './duration.js';

const at = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
const BERLIN = 'Europe/Berlin';

/** The first `count` due times (null once the cycle is over), formatted in `zone`. */
function firings(cycle: TimerCycle, anchor: number, count: number, zone?: string) {
  return Array.from({ length: count }, (_, index) => {
    const due = cycleDueAt(cycle, anchor, index, zone);
    return due === null ? null : formatInstant(due, zone);
  });
}

describe('parseCycle', () => {
  describe('given a valid repeating interval', () => {
    it.each<[string, number | null, string | null, string | null, string]>([
      ['R3/P1D', 3, null, null, 'P1D'],
      ['R/P1M', null, null, null, 'P1M'],
      ['R1/PT10M', 1, null, null, 'PT10M'],
      ['R3/2026-01-01T00:00:00+08:00/P1D', 3, '2025-12-31T16:00:00Z', null, 'P1D'],
      ['R/2026-01-01T00:00:00/P1M', null, '2025-12-31T16:00:00Z', null, 'P1M'],
      ['R/2026-01-01/P1W', null, '2025-12-31T16:00:00Z', null, 'P1W'],
      ['R5/P1D/2026-02-01T00:00:00+08:00', 5, null, '2026-01-31T16:00:00Z', 'P1D'],
      ['R/PT1H/2026-02-01T00:00:00Z', null, null, '2026-02-01T00:00:00Z', 'PT1H'],
      ['R/2026-01-01T09:00:00@Europe/Berlin/P1D', null, '2026-01-01T08:00:00Z', null, 'P1D'],
      ['R/2026-01-01T09:00:00[Europe/Berlin]/P1D', null, '2026-01-01T08:00:00Z', null, 'P1D'],
      [
        'R2/PT1H/2026-01-01T09:00:00@America/Argentina/Buenos_Aires',
        2,
        null,
        '2026-01-01T12:00:00Z',
        'PT1H',
      ],
      [' r3/p1d ', 3, null, null, 'P1D'],
      ['R9007199254740991/PT1S', Number.MAX_SAFE_INTEGER, null, null, 'PT1S'],
    ])('when %j is parsed, then its parts are found', (text, repetitions, start, end, period) => {
      expect(parseCycle(text)).toEqual({
        repetitions,
        start: start === null ? null : at(start),
        end: end === null ? null : at(end),
        duration: parseDuration(period),
      });
    });

    it('when a start without offset is parsed with a zone, then it is wall-clock time there', () => {
      expect(parseCycle('R/2026-01-01T09:00:00/P1D', BERLIN).start).toBe(
        at('2026-01-01T08:00:00Z'),
      );
    });

    it('when parsed, then the result is frozen', () => {
      expect(Object.isFrozen(parseCycle('R3/P1D'))).toBe(true);
    });
  });

  describe('given text that is not a usable cycle', () => {
    const expected =
      '(expected e.g. R3/PT10M, R/P1D, R5/2026-01-01T09:00:00+08:00/P1D, R5/P1D/2026-02-01)';

    it.each<[string, string]>([
      [
        'R3',
        `"R3" is not an ISO-8601 repeating interval: the period is missing, e.g. R3/PT10M ${expected}`,
      ],
      ['R3/', '"R3/" is not an ISO-8601 repeating interval: the period is missing, e.g. R3/PT10M'],
      ['R/', '"R/" is not an ISO-8601 repeating interval: the period is missing, e.g. R/PT10M'],
      [
        'P1D',
        '"P1D" is not an ISO-8601 repeating interval: a plain duration is not a cycle; write R/P1D to repeat it without end, or R3/P1D for 3 times',
      ],
      ['', `"" is not an ISO-8601 repeating interval: the text is empty ${expected}`],
      [
        'every day',
        `"every day" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>" ${expected}`,
      ],
      [
        '0 0 9 * * ?',
        '"0 0 9 * * ?" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>"',
      ],
      [
        'P1D/2026-01-01',
        '"P1D/2026-01-01" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>"',
      ],
      [
        'R0/P1D',
        '"R0/P1D" is not an ISO-8601 repeating interval: R0 would never fire; the repetition count must be >= 1 (or R alone for unbounded)',
      ],
      ['R00/P1D', '"R00/P1D" is not an ISO-8601 repeating interval: R0 would never fire'],
      [
        'R-1/P1D',
        '"R-1/P1D" is not an ISO-8601 repeating interval: the repetition count in "R-1" must be a whole number >= 1 (or R alone for unbounded)',
      ],
      [
        'Rx/P1D',
        '"Rx/P1D" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>"',
      ],
      [
        'R1.5/P1D',
        '"R1.5/P1D" is not an ISO-8601 repeating interval: it must start with "R" or "R<count>"',
      ],
      [
        'R99999999999999999999/P1D',
        '"R99999999999999999999/P1D" is not an ISO-8601 repeating interval: the repetition count 99999999999999999999 is too large',
      ],
      [
        'R3/P0D',
        '"R3/P0D" is not an ISO-8601 repeating interval: the period PT0S is zero, so the timer would never advance',
      ],
      ['R/PT0S', '"R/PT0S" is not an ISO-8601 repeating interval: the period PT0S is zero'],
      [
        'R3/P1X',
        '"R3/P1X" is not an ISO-8601 repeating interval: "P1X" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
      ],
      [
        'R3/-P1D',
        '"R3/-P1D" is not an ISO-8601 repeating interval: the period is missing after the start "-P1D"',
      ],
      [
        'R3/2026-01-01T00:00:00Z',
        '"R3/2026-01-01T00:00:00Z" is not an ISO-8601 repeating interval: the period is missing after the start "2026-01-01T00:00:00Z"',
      ],
      [
        'R3/2026-01-01T00:00:00Z/2026-02-01T00:00:00Z',
        '"R3/2026-01-01T00:00:00Z/2026-02-01T00:00:00Z" is not an ISO-8601 repeating interval: expected a period (e.g. P1D) after the start "2026-01-01T00:00:00Z", found "2026-02-01T00:00:00Z"; start/end intervals are not supported',
      ],
      [
        'R3/2026-13-01T00:00:00Z/P1D',
        '"R3/2026-13-01T00:00:00Z/P1D" is not an ISO-8601 repeating interval: "2026-13-01T00:00:00Z" is not a valid date-time: month 13 does not exist',
      ],
      [
        'R3/P1D/tomorrow',
        '"R3/P1D/tomorrow" is not an ISO-8601 repeating interval: "tomorrow" is not an ISO-8601 date-time',
      ],
      [
        'R3/P1D/',
        '"R3/P1D/" is not an ISO-8601 repeating interval: "" is not an ISO-8601 date-time: the text is empty',
      ],
      [
        'R3//P1D',
        '"R3//P1D" is not an ISO-8601 repeating interval: "" is not an ISO-8601 date-time: the text is empty',
      ],
      [
        'R/2026-01-01T00:00:00/P1D/2026-02-01T00:00:00',
        '"R/2026-01-01T00:00:00/P1D/2026-02-01T00:00:00" is not an ISO-8601 repeating interval: expected a period (e.g. P1D) after the start',
      ],
    ])('when %j is parsed, then it throws a TimeExpressionError saying why', (text, message) => {
      expect(() => parseCycle(text)).toThrow(TimeExpressionError);
      expect(() => parseCycle(text)).toThrow(message);
    });

    it('when the zone is unknown, then it throws a TimeExpressionError naming it', () => {
      expect(() => parseCycle('R/2026-01-01T00:00:00/P1D', 'Nowhere')).toThrow(
        'unknown time zone "Nowhere"',
      );
    });

    it('when the value is not a string, then it throws a TimeExpressionError', () => {
      expect(() => parseCycle(null as unknown as string)).toThrow(
        new TimeExpressionError('expected an ISO-8601 repeating interval text, got object'),
      );
    });
  });
});

describe('cycleDueAt', () => {
  const created = at('2026-03-02T09:00:00+08:00');

  describe('given a cycle with a start on Jan 31 and a period of one month', () => {
    const cycle = parseCycle('R/2026-01-31T09:00:00/P1M');

    it('when the firings are listed, then month ends are clamped without drift', () => {
      expect(firings(cycle, created, 5)).toEqual([
        '2026-01-31T09:00:00+08:00',
        '2026-02-28T09:00:00+08:00',
        '2026-03-31T09:00:00+08:00',
        '2026-04-30T09:00:00+08:00',
        '2026-05-31T09:00:00+08:00',
      ]);
    });

    it('when the anchor changes, then the firings do not (the start decides)', () => {
      expect(cycleDueAt(cycle, 0, 3)).toBe(cycleDueAt(cycle, created, 3));
    });

    it('when index is far ahead, then it is still computed from the start', () => {
      expect(formatInstant(cycleDueAt(cycle, created, 12 * 4 + 1)!)).toBe(
        '2030-02-28T09:00:00+08:00',
      );
    });
  });

  describe('given a cycle without a start', () => {
    const cycle = parseCycle('R3/P1D');

    it('when the firings are listed, then the first is one period after the anchor', () => {
      expect(firings(cycle, created, 4)).toEqual([
        '2026-03-03T09:00:00+08:00',
        '2026-03-04T09:00:00+08:00',
        '2026-03-05T09:00:00+08:00',
        null,
      ]);
    });

    it('when the anchor is Jan 31 and the period a month, then there is no drift either', () => {
      expect(firings(parseCycle('R/P1M'), at('2026-01-31T10:00:00+08:00'), 3)).toEqual([
        '2026-02-28T10:00:00+08:00',
        '2026-03-31T10:00:00+08:00',
        '2026-04-30T10:00:00+08:00',
      ]);
    });
  });

  describe('given the repetitions are used up', () => {
    it('when index >= repetitions, then it is null', () => {
      const cycle = parseCycle('R2/2026-01-01T00:00:00Z/PT1H');
      expect(cycleDueAt(cycle, created, 0)).toBe(at('2026-01-01T00:00:00Z'));
      expect(cycleDueAt(cycle, created, 1)).toBe(at('2026-01-01T01:00:00Z'));
      expect(cycleDueAt(cycle, created, 2)).toBeNull();
      expect(cycleDueAt(cycle, created, 1000)).toBeNull();
    });

    it('when R1, then it fires exactly once', () => {
      expect(firings(parseCycle('R1/PT10M'), created, 2)).toEqual([
        '2026-03-02T09:10:00+08:00',
        null,
      ]);
    });
  });

  describe('given an end date', () => {
    const cycle = parseCycle('R5/P1D/2026-03-04T09:00:00+08:00');

    it('when a firing falls exactly on the end, then it still fires; after it, null', () => {
      expect(firings(cycle, created, 4)).toEqual([
        '2026-03-03T09:00:00+08:00',
        '2026-03-04T09:00:00+08:00',
        null,
        null,
      ]);
    });

    it('when the first firing is already after the end, then it is null', () => {
      expect(cycleDueAt(cycle, at('2026-03-04T00:00:00+08:00'), 0)).toBeNull();
    });

    it('when unbounded with an end, then the end alone stops it', () => {
      const hourly = parseCycle('R/PT1H/2026-03-02T12:00:00+08:00');
      expect(firings(hourly, created, 4)).toEqual([
        '2026-03-02T10:00:00+08:00',
        '2026-03-02T11:00:00+08:00',
        '2026-03-02T12:00:00+08:00',
        null,
      ]);
    });
  });

  describe('given a daily 09:00 cycle in Europe/Berlin across the spring DST change', () => {
    it('when P1D, then it stays at 09:00 wall-clock time', () => {
      const cycle = parseCycle('R/2026-03-28T09:00:00/P1D', BERLIN);
      expect(firings(cycle, created, 3, BERLIN)).toEqual([
        '2026-03-28T09:00:00+01:00',
        '2026-03-29T09:00:00+02:00',
        '2026-03-30T09:00:00+02:00',
      ]);
    });

    it('when PT24H, then it drifts to 10:00 wall-clock time', () => {
      const cycle = parseCycle('R/2026-03-28T09:00:00/PT24H', BERLIN);
      expect(firings(cycle, created, 2, BERLIN)).toEqual([
        '2026-03-28T09:00:00+01:00',
        '2026-03-29T10:00:00+02:00',
      ]);
    });
  });

  describe('given bad arguments', () => {
    const cycle = parseCycle('R/P1D');

    it.each([-1, 0.5, Number.NaN])('when index is %p, then it throws a RangeError', (index) => {
      expect(() => cycleDueAt(cycle, created, index)).toThrow(
        new RangeError(`index must be a whole number >= 0, got ${index}`),
      );
    });

    it('when the anchor is not a whole number, then it throws a RangeError', () => {
      expect(() => cycleDueAt(cycle, 1.5, 0)).toThrow(RangeError);
    });

    it('when the zone is unknown, then it throws a TimeExpressionError', () => {
      expect(() => cycleDueAt(cycle, created, 0, 'Nowhere')).toThrow(TimeExpressionError);
    });

    it('when the firing would be beyond the range of dates, then it is null', () => {
      expect(cycleDueAt(parseCycle('R/P1000Y'), created, 300)).toBeNull();
      expect(cycleDueAt(cycle, created, Number.MAX_SAFE_INTEGER)).toBeNull();
    });
  });

  describe('properties', () => {
    const zones = fc.constantFrom(
      'Asia/Shanghai',
      'Europe/Berlin',
      'America/New_York',
      'America/Sao_Paulo',
      'Australia/Lord_Howe',
      'UTC',
    );
    const instant = fc.integer({
      min: at('1970-01-01T00:00:00Z'),
      max: at('2100-01-01T00:00:00Z'),
    });
    const period: fc.Arbitrary<IsoDuration> = fc
      .record({
        years: fc.integer({ min: 0, max: 2 }),
        months: fc.integer({ min: 0, max: 13 }),
        weeks: fc.integer({ min: 0, max: 3 }),
        days: fc.integer({ min: 0, max: 40 }),
        hours: fc.integer({ min: 0, max: 30 }),
        minutes: fc.integer({ min: 0, max: 90 }),
        seconds: fc.integer({ min: 0, max: 90 }),
        milliseconds: fc.integer({ min: 0, max: 999 }),
      })
      .filter((d) => Object.values(d).some((v) => v > 0));
    const cycle: fc.Arbitrary<TimerCycle> = fc.record({
      repetitions: fc.constant(null),
      start: fc.option(instant),
      end: fc.constant(null),
      duration: period,
    });

    it('cycleDueAt is strictly increasing in index', () => {
      fc.assert(
        fc.property(cycle, instant, fc.integer({ min: 0, max: 200 }), zones, (c, a, i, zone) => {
          expect(cycleDueAt(c, a, i + 1, zone)!).toBeGreaterThan(cycleDueAt(c, a, i, zone)!);
        }),
      );
    });

    it('the index-th firing is start + index periods, or anchor + (index + 1) periods', () => {
      fc.assert(
        fc.property(cycle, instant, fc.integer({ min: 0, max: 200 }), zones, (c, a, i, zone) => {
          const expected =
            c.start === null
              ? addDuration(a, c.duration, zone, i + 1)
              : addDuration(c.start, c.duration, zone, i);
          expect(cycleDueAt(c, a, i, zone)).toBe(expected);
        }),
      );
    });

    it('a cycle of n repetitions fires for indexes 0..n-1 only', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 50 }),
          fc.integer({ min: 0, max: 100 }),
          instant,
          (n, i, a) => {
            const c = parseCycle(`R${n}/PT1H`);
            expect(cycleDueAt(c, a, i) === null).toBe(i >= n);
          },
        ),
      );
    });

    it('with an end, no firing is after the end and the null ones stay null', () => {
      fc.assert(
        fc.property(cycle, instant, instant, fc.integer({ min: 0, max: 100 }), (c, a, end, i) => {
          const bounded = { ...c, end };
          const due = cycleDueAt(bounded, a, i);
          if (due === null) expect(cycleDueAt(bounded, a, i + 1)).toBeNull();
          else expect(due).toBeLessThanOrEqual(end);
        }),
      );
    });
  });
});
