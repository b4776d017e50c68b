import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { TimeExpressionError } from './common.js';
import { formatInstant, parseDateTime } from './date-time.js';

const at = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
const BERLIN = 'Europe/Berlin';

describe('parseDateTime', () => {
  describe('given a date-time with an offset', () => {
    it.each<[string, string]>([
      ['2026-12-01T00:00:00+08:00', '2026-11-30T16:00:00Z'],
      ['2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z'],
      ['2026-12-01T00:00:00z', '2026-12-01T00:00:00Z'],
      ['2026-12-01t00:00:00Z', '2026-12-01T00:00:00Z'],
      ['2026-12-01T00:00:00-05:30', '2026-12-01T05:30:00Z'],
      ['2026-12-01T00:00:00+0800', '2026-11-30T16:00:00Z'],
      ['2026-12-01T00:00:00+08', '2026-11-30T16:00:00Z'],
      ['2026-12-01T00:00:00-00:00', '2026-12-01T00:00:00Z'],
      ['2026-12-01T09:30+08:00', '2026-12-01T01:30:00Z'],
      ['2026-12-01T09:30:15.250+08:00', '2026-12-01T01:30:15.250Z'],
      ['2026-12-01T09:30:15,5+08:00', '2026-12-01T01:30:15.500Z'],
      ['2026-12-01T09:30:15.123456789Z', '2026-12-01T09:30:15.123Z'],
      ['  2026-12-01T00:00:00Z  ', '2026-12-01T00:00:00Z'],
    ])('when %j is parsed, then it is the instant %s, whatever the zone', (text, expected) => {
      expect(parseDateTime(text)).toBe(at(expected));
      expect(parseDateTime(text, BERLIN)).toBe(at(expected));
    });
  });

  describe('given a date-time without an offset', () => {
    it('when no zone is given, then it is wall-clock time in Asia/Shanghai', () => {
      expect(parseDateTime('2026-12-01T00:00:00')).toBe(at('2026-11-30T16:00:00Z'));
    });

    it('when a zone is given, then it is wall-clock time in that zone', () => {
      expect(parseDateTime('2026-12-01T00:00:00', BERLIN)).toBe(at('2026-11-30T23:00:00Z'));
      expect(parseDateTime('2026-07-01T00:00:00', BERLIN)).toBe(at('2026-06-30T22:00:00Z'));
      expect(parseDateTime('2026-12-01T00:00:00', 'UTC')).toBe(at('2026-12-01T00:00:00Z'));
      expect(parseDateTime('2026-12-01T00:00:00', '+05:00')).toBe(at('2026-11-30T19:00:00Z'));
    });

    it('when the wall-clock time is skipped by DST, then it moves forward by the jump', () => {
      expect(formatInstant(parseDateTime('2026-03-29T02:30:00', BERLIN), BERLIN)).toBe(
        '2026-03-29T03:30:00+02:00',
      );
    });

    it('when the wall-clock time happens twice, then the earlier instant is taken', () => {
      expect(formatInstant(parseDateTime('2026-10-25T02:30:00', BERLIN), BERLIN)).toBe(
        '2026-10-25T02:30:00+02:00',
      );
    });
  });

  describe('given a date alone', () => {
    it('when parsed, then it is the start of that day in the zone', () => {
      expect(parseDateTime('2026-12-01')).toBe(at('2026-11-30T16:00:00Z'));
      expect(parseDateTime('2026-12-01', BERLIN)).toBe(at('2026-11-30T23:00:00Z'));
    });

    it('when midnight does not exist that day, then it is the first instant of the day', () => {
      // Given São Paulo skipped from 00:00 to 01:00 on 2018-11-04
      // When / Then
      expect(formatInstant(parseDateTime('2018-11-04', 'America/Sao_Paulo'), 'UTC')).toBe(
        '2018-11-04T03:00:00+00:00',
      );
    });
  });

  describe('given a zone name in the text', () => {
    it.each<[string, string]>([
      ['2026-12-01T00:00:00[Asia/Shanghai]', '2026-11-30T16:00:00Z'],
      ['2026-12-01T00:00:00@Asia/Shanghai', '2026-11-30T16:00:00Z'],
      ['2026-12-01T00:00:00@Europe/Berlin', '2026-11-30T23:00:00Z'],
      ['2026-12-01T00:00:00[Europe/Berlin]', '2026-11-30T23:00:00Z'],
      ['2026-12-01T00:00:00+01:00[Europe/Berlin]', '2026-11-30T23:00:00Z'],
      ['2026-12-01T00:00:00Z[Europe/Berlin]', '2026-12-01T00:00:00Z'],
      ['2026-12-01T00:00:00@America/Argentina/Buenos_Aires', '2026-12-01T03:00:00Z'],
      ['2026-12-01[Europe/Berlin]', '2026-11-30T23:00:00Z'],
      ['2026-12-01T00:00:00[+03:00]', '2026-11-30T21:00:00Z'],
    ])('when %j is parsed, then the named zone wins over the zone argument', (text, expected) => {
      expect(parseDateTime(text, 'UTC')).toBe(at(expected));
    });

    it('when the offset disagrees with the named zone, then it says so', () => {
      expect(() => parseDateTime('2026-12-01T00:00:00+09:00[Asia/Shanghai]')).toThrow(
        new TimeExpressionError(
          '"2026-12-01T00:00:00+09:00[Asia/Shanghai]" is not a valid date-time: offset +09:00 does not match Asia/Shanghai, which is at +08:00 then',
        ),
      );
    });

    it('when the named zone is unknown, then it says so', () => {
      expect(() => parseDateTime('2026-12-01T00:00:00@Mars/Olympus')).toThrow(
        '"2026-12-01T00:00:00@Mars/Olympus" is not a valid date-time: unknown time zone "Mars/Olympus"',
      );
    });
  });

  describe('given bad text', () => {
    it.each<[string, string]>([
      ['', '"" is not an ISO-8601 date-time: the text is empty'],
      [
        'tomorrow',
        '"tomorrow" is not an ISO-8601 date-time (expected e.g. 2026-12-01T09:00:00+08:00',
      ],
      ['2026/12/01', '"2026/12/01" is not an ISO-8601 date-time (expected'],
      [
        '2026-12-01 09:00:00',
        '"2026-12-01 09:00:00" is not an ISO-8601 date-time: separate date and time with "T"',
      ],
      ['2026-3-5', '"2026-3-5" is not an ISO-8601 date-time: month and day need two digits'],
      ['2026-12-01T09', '"2026-12-01T09" is not an ISO-8601 date-time (expected'],
      ['2026-12-01Z', '"2026-12-01Z" is not an ISO-8601 date-time (expected'],
      ['P1D', '"P1D" is not an ISO-8601 date-time (expected'],
      ['2026-13-01', '"2026-13-01" is not a valid date-time: month 13 does not exist'],
      ['2026-00-01', '"2026-00-01" is not a valid date-time: month 00 does not exist'],
      ['2026-02-29', '"2026-02-29" is not a valid date-time: day 29 does not exist in 2026-02'],
      [
        '2026-04-31T00:00:00Z',
        '"2026-04-31T00:00:00Z" is not a valid date-time: day 31 does not exist in 2026-04',
      ],
      ['2026-04-00', '"2026-04-00" is not a valid date-time: day 00 does not exist in 2026-04'],
      [
        '2026-04-01T24:00:00',
        '"2026-04-01T24:00:00" is not a valid date-time: hour 24 is out of range (00-23)',
      ],
      [
        '2026-04-01T23:60:00',
        '"2026-04-01T23:60:00" is not a valid date-time: minute 60 is out of range (00-59)',
      ],
      [
        '2026-04-01T23:59:60Z',
        '"2026-04-01T23:59:60Z" is not a valid date-time: second 60 is out of range (00-59)',
      ],
      [
        '2026-04-01T00:00:00+24:00',
        '"2026-04-01T00:00:00+24:00" is not a valid date-time: offset +24:00 is out of range',
      ],
    ])('when %j is parsed, then it throws a TimeExpressionError saying why', (text, message) => {
      expect(() => parseDateTime(text)).toThrow(TimeExpressionError);
      expect(() => parseDateTime(text)).toThrow(message);
    });

    it('when the leap day exists, then it parses', () => {
      expect(parseDateTime('2028-02-29T00:00:00Z')).toBe(at('2028-02-29T00:00:00Z'));
    });

    it('when the zone argument is unknown, then it throws even if the text has an offset', () => {
      expect(() => parseDateTime('2026-12-01T00:00:00Z', 'Nowhere')).toThrow(
        'unknown time zone "Nowhere"',
      );
    });

    it('when the value is not a string, then it throws a TimeExpressionError', () => {
      expect(() => parseDateTime(undefined as unknown as string)).toThrow(
        new TimeExpressionError('expected an ISO-8601 date-time text, got undefined'),
      );
    });
  });
});

describe('formatInstant', () => {
  it('given 1772413200000, when formatted in the default zone, then it is 09:00 +08:00', () => {
    expect(formatInstant(1772413200000)).toBe('2026-03-02T09:00:00+08:00');
  });

  it('given an instant with milliseconds, when formatted, then 3 digits are shown', () => {
    expect(formatInstant(1772413200500)).toBe('2026-03-02T09:00:00.500+08:00');
    expect(formatInstant(1772413200001)).toBe('2026-03-02T09:00:00.001+08:00');
  });

  it('given a zone, when formatted, then the offset is that of the zone at that instant', () => {
    expect(formatInstant(at('2026-01-15T12:00:00Z'), BERLIN)).toBe('2026-01-15T13:00:00+01:00');
    expect(formatInstant(at('2026-07-15T12:00:00Z'), BERLIN)).toBe('2026-07-15T14:00:00+02:00');
    expect(formatInstant(at('2026-07-15T12:00:00Z'), 'UTC')).toBe('2026-07-15T12:00:00+00:00');
    expect(formatInstant(0, '-03:30')).toBe('1969-12-31T20:30:00-03:30');
  });

  it('given a negative instant, when formatted, then it is before 1970', () => {
    expect(formatInstant(-1, 'UTC')).toBe('1969-12-31T23:59:59.999+00:00');
  });

  it('given bad arguments, when formatted, then it throws', () => {
    expect(() => formatInstant(0, 'Mars/Olympus')).toThrow(TimeExpressionError);
    expect(() => formatInstant(0.5)).toThrow(
      new RangeError('instant must be a whole number of epoch milliseconds, got 0.5'),
    );
    expect(() => formatInstant(9e15)).toThrow(
      new RangeError('instant 9000000000000000 is outside the supported range of dates'),
    );
  });

  it('property: parseDateTime(formatInstant(x, zone), anyZone) === x', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('1950-01-01T00:00:00Z'), max: at('2200-01-01T00:00:00Z') }),
        fc.constantFrom('Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC', '+05:45'),
        fc.constantFrom('Asia/Shanghai', 'UTC'),
        (x, zone, other) => {
          expect(parseDateTime(formatInstant(x, zone), other)).toBe(x);
        },
      ),
    );
  });
});
