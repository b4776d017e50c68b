import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { TimeExpressionError } from './common.js';
import { formatInstant } from './date-time.js';
import { type IsoDuration, addDuration, parseDuration, subtractDuration } from './duration.js';
import { parseDateTime } from './date-time.js';

const at = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
const ZERO: IsoDuration = {
  years: 0,
  months: 0,
  weeks: 0,
  days: 0,
  hours: 0,
  minutes: 0,
  seconds: 0,
  milliseconds: 0,
};
const dur = (fields: Partial<IsoDuration>): IsoDuration => ({ ...ZERO, ...fields });
const BERLIN = 'Europe/Berlin';

describe('parseDuration', () => {
  describe('given a valid ISO-8601 duration', () => {
    it.each<[string, Partial<IsoDuration>]>([
      ['P1M', { months: 1 }],
      ['P1Y', { years: 1 }],
      ['P2W', { weeks: 2 }],
      ['P3D', { days: 3 }],
      ['PT2H30M', { hours: 2, minutes: 30 }],
      ['P1DT12H', { days: 1, hours: 12 }],
      ['PT36H', { hours: 36 }],
      ['PT90M', { minutes: 90 }],
      ['PT0.5S', { milliseconds: 500 }],
      ['PT1,25S', { seconds: 1, milliseconds: 250 }],
      ['PT0.001S', { milliseconds: 1 }],
      ['PT2.5000S', { seconds: 2, milliseconds: 500 }],
      [
        'P1Y2M3W4DT5H6M7.008S',
        {
          years: 1,
          months: 2,
          weeks: 3,
          days: 4,
          hours: 5,
          minutes: 6,
          seconds: 7,
          milliseconds: 8,
        },
      ],
      ['P0D', {}],
      ['PT0S', {}],
      ['  P1D\n', { days: 1 }],
      ['p1dt2h', { days: 1, hours: 2 }],
    ])('when %j is parsed, then the fields are as written', (text, fields) => {
      expect(parseDuration(text)).toEqual(dur(fields));
    });

    it('when parsed, then the result is frozen', () => {
      expect(Object.isFrozen(parseDuration('P1D'))).toBe(true);
    });
  });

  describe('given text that is not an ISO-8601 duration', () => {
    it('when "P1X" is parsed, then the message quotes it and shows examples', () => {
      expect(() => parseDuration('P1X')).toThrow(
        new TimeExpressionError('"P1X" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)'),
      );
    });

    it.each<[string, string]>([
      ['', '"" is not an ISO-8601 duration: the text is empty'],
      ['   ', '"" is not an ISO-8601 duration: the text is empty'],
      ['1 day', '"1 day" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)'],
      ['P', '"P" is not an ISO-8601 duration: at least one number and unit must follow'],
      ['PT', '"PT" is not an ISO-8601 duration: at least one number and unit must follow'],
      ['P1DT', '"P1DT" is not an ISO-8601 duration: at least one number and unit must follow'],
      ['-P1D', '"-P1D" is not an ISO-8601 duration: signed durations are not supported'],
      ['+P1D', '"+P1D" is not an ISO-8601 duration: signed durations are not supported'],
      ['P1H', '"P1H" is not an ISO-8601 duration: hours, minutes and seconds go after "T"'],
      ['P1D2H', '"P1D2H" is not an ISO-8601 duration: hours, minutes and seconds go after "T"'],
      ['PT1.5H', '"PT1.5H" is not an ISO-8601 duration: only seconds may have a fraction'],
      ['P1.5D', '"P1.5D" is not an ISO-8601 duration: only seconds may have a fraction'],
      ['PT0.0001S', '"PT0.0001S" is not a supported duration: seconds are precise to milliseconds'],
      ['PT1M2H', '"PT1M2H" is not an ISO-8601 duration (expected'],
      ['P1D1D', '"P1D1D" is not an ISO-8601 duration (expected'],
      ['P 1D', '"P 1D" is not an ISO-8601 duration (expected'],
      ['R3/P1D', '"R3/P1D" is not an ISO-8601 duration (expected'],
      ['P99999999999999999999D', '"P99999999999999999999D" is too long a duration'],
      ['P9999999999Y', '"P9999999999Y" is too long a duration'],
      ['PT9007199254740991H', '"PT9007199254740991H" is too long a duration'],
    ])('when %j is parsed, then it throws a TimeExpressionError saying why', (text, message) => {
      expect(() => parseDuration(text)).toThrow(TimeExpressionError);
      expect(() => parseDuration(text)).toThrow(message);
    });

    it('when the text is very long, then the message quotes a shortened copy on one line', () => {
      const text = 'x'.repeat(200) + '\n';
      expect(() => parseDuration(text)).toThrow(/^"x{77}\.\.\." is not an ISO-8601 duration/);
    });

    it('when the value is not a string, then it throws a TimeExpressionError', () => {
      expect(() => parseDuration(42 as unknown as string)).toThrow(
        'expected an ISO-8601 duration text, got number',
      );
    });
  });

  it('property: any duration written out canonically parses back to the same fields', () => {
    const small = fc.integer({ min: 0, max: 500 });
    fc.assert(
      fc.property(
        fc.record({
          years: small,
          months: small,
          weeks: small,
          days: small,
          hours: small,
          minutes: small,
          seconds: small,
          milliseconds: fc.integer({ min: 0, max: 999 }),
        }),
        (d) => {
          const date = `${d.years}Y${d.months}M${d.weeks}W${d.days}D`;
          const ms = String(d.milliseconds).padStart(3, '0');
          const time = `${d.hours}H${d.minutes}M${d.seconds}.${ms}S`;
          expect(parseDuration(`P${date}T${time}`)).toEqual(d);
        },
      ),
    );
  });
});

describe('addDuration', () => {
  describe('given a date at the end of a month (Asia/Shanghai, the default zone)', () => {
    it.each<[string, string, number, string]>([
      ['2026-01-31T09:00:00+08:00', 'P1M', 1, '2026-02-28T09:00:00+08:00'],
      ['2028-01-31T09:00:00+08:00', 'P1M', 1, '2028-02-29T09:00:00+08:00'],
      ['2026-01-31T09:00:00+08:00', 'P1M', 2, '2026-03-31T09:00:00+08:00'],
      ['2026-01-31T09:00:00+08:00', 'P2M', 1, '2026-03-31T09:00:00+08:00'],
      ['2026-01-31T09:00:00+08:00', 'P1M', 3, '2026-04-30T09:00:00+08:00'],
      ['2026-03-31T09:00:00+08:00', 'P1M', 1, '2026-04-30T09:00:00+08:00'],
      ['2026-05-31T23:59:59+08:00', 'P1M', 1, '2026-06-30T23:59:59+08:00'],
    ])('when %s + %s x %d, then it is %s', (start, duration, times, expected) => {
      expect(formatInstant(addDuration(at(start), duration, undefined, times))).toBe(expected);
    });

    it('when P1M is added twice with times=2, then it does not drift like iterating does', () => {
      // Given
      const jan31 = at('2026-01-31T09:00:00+08:00');
      // When
      const multiplied = addDuration(jan31, 'P1M', 'Asia/Shanghai', 2);
      const iterated = addDuration(addDuration(jan31, 'P1M'), 'P1M');
      // Then
      expect(formatInstant(multiplied)).toBe('2026-03-31T09:00:00+08:00');
      expect(formatInstant(iterated)).toBe('2026-03-28T09:00:00+08:00');
    });
  });

  describe('given a leap day', () => {
    const leapDay = at('2028-02-29T10:00:00+08:00');

    it('when P1Y is added, then it is clamped to Feb 28', () => {
      expect(formatInstant(addDuration(leapDay, 'P1Y'))).toBe('2029-02-28T10:00:00+08:00');
    });

    it('when P1Y is added 4 times, then it lands on the next leap day', () => {
      expect(formatInstant(addDuration(leapDay, 'P1Y', undefined, 4))).toBe(
        '2032-02-29T10:00:00+08:00',
      );
    });

    it('when P12M is added, then it equals P1Y', () => {
      expect(addDuration(leapDay, 'P12M')).toBe(addDuration(leapDay, 'P1Y'));
    });

    it('when P1D is added, then it is March 1st', () => {
      expect(formatInstant(addDuration(leapDay, 'P1D'))).toBe('2028-03-01T10:00:00+08:00');
    });
  });

  describe('given a date in December', () => {
    it.each<[string, string, string]>([
      ['2026-12-15T08:30:00+08:00', 'P1M', '2027-01-15T08:30:00+08:00'],
      ['2026-12-31T08:30:00+08:00', 'P2M', '2027-02-28T08:30:00+08:00'],
      ['2026-12-31T08:30:00+08:00', 'P1Y1M', '2028-01-31T08:30:00+08:00'],
      ['2026-12-31T08:30:00+08:00', 'P1D', '2027-01-01T08:30:00+08:00'],
      ['2026-12-31T23:00:00+08:00', 'PT2H', '2027-01-01T01:00:00+08:00'],
      ['2026-12-25T08:30:00+08:00', 'P2W', '2027-01-08T08:30:00+08:00'],
      ['2026-12-31T08:30:00+08:00', 'P1DT12H', '2027-01-01T20:30:00+08:00'],
      ['2026-12-31T23:59:59.750+08:00', 'PT0.5S', '2027-01-01T00:00:00.250+08:00'],
    ])('when %s + %s, then it is %s', (start, duration, expected) => {
      expect(formatInstant(addDuration(at(start), duration))).toBe(expected);
    });
  });

  describe('given the zone decides which day it is', () => {
    // 2026-01-31T20:00Z is already Feb 1 04:00 in Shanghai.
    const instant = at('2026-01-31T20:00:00Z');

    it('when P1M is added in Asia/Shanghai, then the Shanghai calendar is used', () => {
      expect(formatInstant(addDuration(instant, 'P1M', 'Asia/Shanghai'), 'UTC')).toBe(
        '2026-02-28T20:00:00+00:00',
      );
      expect(formatInstant(addDuration(instant, 'P1M'))).toBe('2026-03-01T04:00:00+08:00');
    });

    it('when P1M is added in UTC, then the UTC calendar is used', () => {
      expect(formatInstant(addDuration(instant, 'P1M', 'UTC'), 'UTC')).toBe(
        '2026-02-28T20:00:00+00:00',
      );
      expect(formatInstant(addDuration(instant, 'P1M', 'UTC'))).toBe('2026-03-01T04:00:00+08:00');
    });

    it('when P1M is added in a fixed offset zone, then that offset calendar is used', () => {
      expect(formatInstant(addDuration(instant, 'P1M', '+08:00'), '+08:00')).toBe(
        '2026-03-01T04:00:00+08:00',
      );
    });
  });

  describe('given Europe/Berlin, which moves to summer time on 2026-03-29 at 02:00', () => {
    const saturdayNoon = at('2026-03-28T12:00:00+01:00');

    it('when P1D is added, then the wall-clock time is kept (23 hours pass)', () => {
      const result = addDuration(saturdayNoon, 'P1D', BERLIN);
      expect(formatInstant(result, BERLIN)).toBe('2026-03-29T12:00:00+02:00');
      expect(result - saturdayNoon).toBe(23 * 3_600_000);
    });

    it('when PT24H is added, then exactly 24 hours pass and the wall clock shows 13:00', () => {
      const result = addDuration(saturdayNoon, 'PT24H', BERLIN);
      expect(formatInstant(result, BERLIN)).toBe('2026-03-29T13:00:00+02:00');
      expect(result - saturdayNoon).toBe(24 * 3_600_000);
    });

    it('when P1D lands in the skipped hour (02:30), then it moves forward to 03:30', () => {
      const result = addDuration(at('2026-03-28T02:30:00+01:00'), 'P1D', BERLIN);
      expect(formatInstant(result, BERLIN)).toBe('2026-03-29T03:30:00+02:00');
    });

    it('when P1D is added across the autumn change (2026-10-25), then 25 hours pass', () => {
      const before = at('2026-10-24T12:00:00+02:00');
      const result = addDuration(before, 'P1D', BERLIN);
      expect(formatInstant(result, BERLIN)).toBe('2026-10-25T12:00:00+01:00');
      expect(result - before).toBe(25 * 3_600_000);
      expect(formatInstant(addDuration(before, 'PT24H', BERLIN), BERLIN)).toBe(
        '2026-10-25T11:00:00+01:00',
      );
    });

    it('when P1DT1H is added, then the day moves the wall clock and the hour is elapsed', () => {
      const result = addDuration(saturdayNoon, 'P1DT1H', BERLIN);
      expect(formatInstant(result, BERLIN)).toBe('2026-03-29T13:00:00+02:00');
    });
  });

  describe('given an IsoDuration object instead of text', () => {
    it('when it is added, then it behaves like the text', () => {
      const start = at('2026-01-31T09:00:00+08:00');
      expect(addDuration(start, dur({ months: 1, hours: 2 }))).toBe(addDuration(start, 'P1MT2H'));
    });

    it('when times is 0, then the instant is unchanged', () => {
      expect(addDuration(123_456, 'P1Y2M3DT4H', BERLIN, 0)).toBe(123_456);
    });
  });

  describe('given bad input', () => {
    it('when the duration text is bad, then it throws a TimeExpressionError quoting it', () => {
      expect(() => addDuration(0, '1 day')).toThrow(
        new TimeExpressionError(
          '"1 day" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
        ),
      );
    });

    it('when the zone is unknown, then it throws a TimeExpressionError naming the zone', () => {
      expect(() => addDuration(0, 'P1D', 'Mars/Olympus')).toThrow(
        new TimeExpressionError(
          'unknown time zone "Mars/Olympus" (expected an IANA name such as Asia/Shanghai, or an offset such as +08:00)',
        ),
      );
    });

    it('when the zone is empty, then it throws a TimeExpressionError', () => {
      expect(() => addDuration(0, 'P1D', '')).toThrow('time zone must be a non-empty string, got ');
    });

    it('when the result is beyond the range of dates, then it throws a TimeExpressionError', () => {
      expect(() => addDuration(0, 'P300000Y')).toThrow(
        new TimeExpressionError(
          'adding P300000Y x 1 to 1970-01-01T08:00:00+08:00 goes beyond the supported range of dates',
        ),
      );
      expect(() => addDuration(0, 'PT1000000000H', 'UTC', 3)).toThrow(TimeExpressionError);
    });

    it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'when times is %p, then it throws a RangeError',
      (times) => {
        expect(() => addDuration(0, 'P1D', 'UTC', times)).toThrow(
          `times must be a whole number >= 0, got ${times}`,
        );
        expect(() => addDuration(0, 'P1D', 'UTC', times)).toThrow(RangeError);
      },
    );

    it.each([1.5, Number.NaN, 9e15])('when the instant is %p, then it throws a RangeError', (x) => {
      expect(() => addDuration(x, 'P1D')).toThrow(RangeError);
    });

    it('when a duration object has a negative or fractional field, then RangeError', () => {
      expect(() => addDuration(0, dur({ days: -1 }))).toThrow(
        new RangeError('duration field days must be a whole number >= 0, got -1'),
      );
      expect(() => addDuration(0, dur({ hours: 0.5 }))).toThrow(RangeError);
    });
  });

  describe('properties', () => {
    const zones = fc.constantFrom(
      'Asia/Shanghai',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'UTC',
      '-03:30',
    );
    const instant = fc.integer({
      min: at('1950-01-01T00:00:00Z'),
      max: at('2150-01-01T00:00:00Z'),
    });

    it('for hours/minutes/seconds only, times=n equals n repeated additions', () => {
      fc.assert(
        fc.property(
          instant,
          fc.record({
            hours: fc.integer({ min: 0, max: 100 }),
            minutes: fc.integer({ min: 0, max: 100 }),
            seconds: fc.integer({ min: 0, max: 100 }),
            milliseconds: fc.integer({ min: 0, max: 999 }),
          }),
          zones,
          fc.integer({ min: 0, max: 30 }),
          (x, fields, zone, n) => {
            const d = dur(fields);
            let repeated = x;
            for (let i = 0; i < n; i++) repeated = addDuration(repeated, d, zone);
            const elapsed =
              ((fields.hours * 60 + fields.minutes) * 60 + fields.seconds) * 1000 +
              fields.milliseconds;
            expect(addDuration(x, d, zone, n)).toBe(repeated);
            expect(repeated).toBe(x + n * elapsed);
          },
        ),
      );
    });

    it('for days/weeks in Asia/Shanghai (no DST), a day is always 24 hours', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: at('1992-01-01T00:00:00Z'), max: at('2150-01-01T00:00:00Z') }),
          fc.integer({ min: 0, max: 60 }),
          fc.integer({ min: 0, max: 10 }),
          fc.integer({ min: 0, max: 12 }),
          (x, days, weeks, n) => {
            expect(addDuration(x, dur({ days, weeks }), 'Asia/Shanghai', n)).toBe(
              x + n * (days + 7 * weeks) * 86_400_000,
            );
          },
        ),
      );
    });

    it('adding months keeps the time of day and clamps the day to the target month', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1992, max: 2100 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 31 }),
          fc.integer({ min: 0, max: 86_399_999 }),
          fc.integer({ min: 0, max: 40 }),
          (year, month, dayWish, msOfDay, months) => {
            const day = Math.min(
              dayWish,
              Temporal.PlainYearMonth.from({ year, month }).daysInMonth,
            );
            const start = Temporal.ZonedDateTime.from({
              timeZone: 'Asia/Shanghai',
              year,
              month,
              day,
            }).add({ milliseconds: msOfDay });
            const result = Temporal.Instant.fromEpochMilliseconds(
              addDuration(start.epochMilliseconds, dur({ months })),
            ).toZonedDateTimeISO('Asia/Shanghai');
            const target = start.toPlainDate().toPlainYearMonth().add({ months });
            expect(result.toPlainDate().toPlainYearMonth().equals(target)).toBe(true);
            expect(result.day).toBe(Math.min(day, target.daysInMonth));
            expect(result.toPlainTime().equals(start.toPlainTime())).toBe(true);
          },
        ),
      );
    });

    it('addDuration never goes backwards', () => {
      fc.assert(
        fc.property(
          instant,
          fc.record({
            years: fc.integer({ min: 0, max: 3 }),
            months: fc.integer({ min: 0, max: 14 }),
            weeks: fc.integer({ min: 0, max: 5 }),
            days: fc.integer({ min: 0, max: 40 }),
            hours: fc.integer({ min: 0, max: 30 }),
            minutes: fc.integer({ min: 0, max: 90 }),
            seconds: fc.integer({ min: 0, max: 90 }),
            milliseconds: fc.integer({ min: 0, max: 999 }),
          }),
          zones,
          (x, d, zone) => {
            expect(addDuration(x, d, zone)).toBeGreaterThanOrEqual(x);
          },
        ),
      );
    });
  });
});

describe('subtractDuration', () => {
  it('goes back on the wall clock of the zone, clamping the day of the month', () => {
    // Given 31 March 2026, 09:00 in Shanghai
    const at = parseDateTime('2026-03-31T09:00:00+08:00');
    // When one month is subtracted
    const result = subtractDuration(at, 'P1M');
    // Then it is 28 February, same time of day
    expect(formatInstant(result)).toBe('2026-02-28T09:00:00+08:00');
  });

  it('subtracts exact hours and days', () => {
    const at = parseDateTime('2026-03-02T09:00:00+08:00');
    expect(formatInstant(subtractDuration(at, 'P3D'))).toBe('2026-02-27T09:00:00+08:00');
    expect(formatInstant(subtractDuration(at, 'PT0S'))).toBe('2026-03-02T09:00:00+08:00');
    expect(formatInstant(subtractDuration(at, 'PT10H'))).toBe('2026-03-01T23:00:00+08:00');
  });
});
