import { describe, expect, it } from '@jest/globals';
import { Temporal } from 'temporal-polyfill';
import { TimeExpressionError } from './common.js';
import { formatInstant } from './date-time.js';
import { type TimerKind, checkTimerExpression, firstDueAt } from './timer.js';

const at = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
const activated = at('2026-01-31T09:00:00+08:00');

describe('checkTimerExpression', () => {
  describe('given a valid static expression', () => {
    it.each<[TimerKind, string]>([
      ['timeDate', '2026-12-01T09:00:00+08:00'],
      ['timeDate', '2026-12-01T09:00:00'],
      ['timeDate', '2026-12-01'],
      ['timeDate', '2026-12-01T09:00:00@Asia/Shanghai'],
      ['timeDuration', 'P1D'],
      ['timeDuration', 'PT0S'],
      ['timeDuration', ' PT2H30M '],
      ['timeCycle', 'R3/PT10M'],
      ['timeCycle', 'R/P1M'],
      ['timeCycle', 'R/2026-01-01T09:00:00/P1D'],
      ['timeCycle', 'R5/P1D/2026-02-01T00:00:00+08:00'],
    ])('when %s %j is checked, then it is valid (null)', (kind, text) => {
      expect(checkTimerExpression(kind, text)).toBeNull();
    });
  });

  describe('given an invalid expression', () => {
    it.each<[TimerKind, string, string]>([
      [
        'timeDuration',
        '1 day',
        'timeDuration "1 day" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
      ],
      [
        'timeDuration',
        '',
        'timeDuration "" is not an ISO-8601 duration: the text is empty (expected e.g. P1D, PT2H, P1M)',
      ],
      [
        'timeDuration',
        'R3/PT1H',
        'timeDuration "R3/PT1H" is not an ISO-8601 duration (expected e.g. P1D, PT2H, P1M)',
      ],
      ['timeDuration', '2026-12-01', 'timeDuration "2026-12-01" is not an ISO-8601 duration'],
      [
        'timeDate',
        'P1D',
        'timeDate "P1D" is not an ISO-8601 date-time (expected e.g. 2026-12-01T09:00:00+08:00',
      ],
      [
        'timeDate',
        '2026-02-30',
        'timeDate "2026-02-30" is not a valid date-time: day 30 does not exist in 2026-02',
      ],
      [
        'timeCycle',
        'P1D',
        'timeCycle "P1D" is not an ISO-8601 repeating interval: a plain duration is not a cycle',
      ],
      [
        'timeCycle',
        'R3',
        'timeCycle "R3" is not an ISO-8601 repeating interval: the period is missing',
      ],
      [
        'timeCycle',
        'R0/P1D',
        'timeCycle "R0/P1D" is not an ISO-8601 repeating interval: R0 would never fire',
      ],
      [
        'timeCycle',
        'R3/P0D',
        'timeCycle "R3/P0D" is not an ISO-8601 repeating interval: the period PT0S is zero',
      ],
      [
        'timeCycle',
        '0 0 9 * * ?',
        'timeCycle "0 0 9 * * ?" is not an ISO-8601 repeating interval: it must start with "R"',
      ],
    ])('when %s %j is checked, then the message says why', (kind, text, message) => {
      const result = checkTimerExpression(kind, text);
      expect(result).toContain(message);
      expect(result).not.toContain('\n');
    });

    it('when the text is a FEEL expression, then it is not accepted as a static value', () => {
      expect(checkTimerExpression('timeDuration', '= delay')).toBe(
        'timeDuration "= delay" is a FEEL expression, not a static value: evaluate it, then check the result',
      );
    });

    it('when the text spans lines, then the message is still one line', () => {
      const result = checkTimerExpression('timeDate', '2026-12-01\nT09:00');
      expect(result).toBe(
        'timeDate "2026-12-01\\nT09:00" is not an ISO-8601 date-time (expected e.g. 2026-12-01T09:00:00+08:00, 2026-12-01T09:00:00Z, 2026-12-01T09:00:00, 2026-12-01, 2026-12-01T09:00:00@Asia/Shanghai)',
      );
    });

    it('when the kind is unknown, then the message says so', () => {
      expect(checkTimerExpression('timeout' as TimerKind, 'P1D')).toBe(
        'unknown timer kind "timeout" (expected timeDate, timeDuration or timeCycle)',
      );
    });

    it('when the text is not a string, then it gets a message, not an exception', () => {
      expect(checkTimerExpression('timeDuration', 5 as unknown as string)).toBe(
        'timeDuration expected an ISO-8601 duration text, got number',
      );
    });
  });
});

describe('firstDueAt', () => {
  it('given a timeDate, when activated, then it is due at that date (even if already past)', () => {
    expect(firstDueAt('timeDate', '2026-12-01T09:00:00', activated)).toBe(
      at('2026-12-01T01:00:00Z'),
    );
    expect(firstDueAt('timeDate', '2020-01-01', activated)).toBe(at('2019-12-31T16:00:00Z'));
    expect(firstDueAt('timeDate', '2026-12-01T09:00:00', activated, 'UTC')).toBe(
      at('2026-12-01T09:00:00Z'),
    );
  });

  it('given a timeDuration, when activated on Jan 31, then P1M is due on Feb 28', () => {
    expect(formatInstant(firstDueAt('timeDuration', 'P1M', activated)!)).toBe(
      '2026-02-28T09:00:00+08:00',
    );
    expect(firstDueAt('timeDuration', 'PT10M', activated)).toBe(activated + 600_000);
  });

  it('given a timeCycle without a start, when activated, then the first firing is one period later', () => {
    expect(formatInstant(firstDueAt('timeCycle', 'R3/P1D', activated)!)).toBe(
      '2026-02-01T09:00:00+08:00',
    );
  });

  it('given a timeCycle with a start, when activated, then the first firing is the start', () => {
    expect(firstDueAt('timeCycle', 'R/2026-03-01T08:00:00/P1D', activated)).toBe(
      at('2026-03-01T00:00:00Z'),
    );
    expect(firstDueAt('timeCycle', 'R/2026-03-01T08:00:00/P1D', activated, 'UTC')).toBe(
      at('2026-03-01T08:00:00Z'),
    );
  });

  it('given a timeCycle whose end is before its first firing, when activated, then null', () => {
    expect(firstDueAt('timeCycle', 'R3/P1D/2026-01-31T12:00:00+08:00', activated)).toBeNull();
  });

  it.each<[TimerKind, string, string]>([
    ['timeDate', 'tomorrow', '"tomorrow" is not an ISO-8601 date-time'],
    ['timeDuration', '1 day', '"1 day" is not an ISO-8601 duration'],
    ['timeCycle', 'P1D', '"P1D" is not an ISO-8601 repeating interval'],
  ])(
    'given a bad %s %j, when activated, then it throws a TimeExpressionError',
    (kind, text, message) => {
      expect(() => firstDueAt(kind, text, activated)).toThrow(TimeExpressionError);
      expect(() => firstDueAt(kind, text, activated)).toThrow(message);
    },
  );

  it('given an unknown kind, when activated, then it throws a TimeExpressionError', () => {
    expect(() => firstDueAt('timeout' as TimerKind, 'P1D', activated)).toThrow(
      new TimeExpressionError(
        'unknown timer kind "timeout" (expected timeDate, timeDuration or timeCycle)',
      ),
    );
  });
});
