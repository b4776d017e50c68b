import { describe, expect, it } from '@jest/globals';
import { Temporal } from 'temporal-polyfill';
import { evaluateCondition, evaluateExpression, type EvalOptions } from './expression.js';
import type { Variables } from './values.js';

const epoch = (iso: string): number => Temporal.Instant.from(iso).epochMilliseconds;
// 16:30 UTC on Jan 31 is already Feb 1 in Shanghai
const options: EvalOptions = { now: epoch('2026-01-31T16:30:00Z'), zone: 'Asia/Shanghai' };
const run = (expression: string, variables: Variables = {}, opts: EvalOptions = options) =>
  evaluateExpression(expression, variables, opts);

describe('date, time and duration arithmetic', () => {
  it('adds calendar durations, clamping to the end of the month', () => {
    expect(run('date and time("2026-01-31T00:00:00+08:00") + duration("P1M")')).toBe(
      '2026-02-28T00:00:00+08:00',
    );
    expect(run('date("2024-01-31") + duration("P1M")')).toBe('2024-02-29');
    expect(run('date("2026-02-01") - duration("P1Y")')).toBe('2025-02-01');
  });

  it('adds time durations', () => {
    expect(run('date and time("2026-02-01T23:30:00Z") + duration("PT1H")')).toBe(
      '2026-02-02T00:30:00Z',
    );
    expect(run('date("2026-02-01") + duration("P1D")')).toBe('2026-02-02');
    expect(run('time("23:00:00") + duration("PT2H")')).toBe('01:00:00');
    expect(run('duration("P1D") + duration("PT12H")')).toBe('P1DT12H');
  });

  it('keeps the IANA zone across arithmetic and stores it as an offset', () => {
    expect(run('date and time("2026-03-28T12:00:00@Europe/Paris") + duration("P1D")')).toBe(
      '2026-03-29T12:00:00+02:00', // the day daylight saving time starts
    );
  });

  it('subtracts dates and date times into durations', () => {
    expect(run('date("2026-03-01") - date("2026-02-01")')).toBe('P28D');
    expect(
      run('date and time("2026-02-01T10:00:00Z") - date and time("2026-02-01T08:30:00Z")'),
    ).toBe('PT1H30M');
    expect(run('years and months duration(date("2025-01-15"), date("2026-03-15"))')).toBe('P1Y2M');
    // feelin 8.2 keeps the leftover days, where FEEL (and Camunda) would give P1Y2M
    expect(run('years and months duration(date("2025-01-15"), date("2026-03-20"))')).toBe(
      'P1Y2M5D',
    );
  });

  it('compares temporal values', () => {
    expect(run('date("2026-02-01") > date("2026-01-01")')).toBe(true);
    expect(run('duration("PT1H") < duration("PT90M")')).toBe(true);
    expect(
      run('date and time("2026-02-01T08:00:00+08:00") = date and time("2026-02-01T00:00:00Z")'),
    ).toBe(true);
  });

  it('reads temporal parts', () => {
    expect(run('date("2026-02-01").year')).toBe(2026);
    expect(run('date and time("2026-02-01T10:20:00+08:00").hour')).toBe(10);
    expect(run('duration("P1DT2H").hours')).toBe(2);
    expect(run('day of week(date("2026-02-01"))')).toBe('Sunday');
  });

  it('parses the strings that JSON variables hold', () => {
    const d = '2026-02-01';
    expect(run('date(d) > date("2026-01-01")', { d })).toBe(true);
    expect(evaluateCondition('date(d) > date("2026-01-01")', { d }, options)).toBe(true);
    expect(run('date(d) + duration("P1D")', { d })).toBe('2026-02-02');
    expect(
      run('date and time(t) + duration(p)', { t: '2026-02-01T00:00:00+08:00', p: 'PT1H' }),
    ).toBe('2026-02-01T01:00:00+08:00');
    // a date string compared with a date string is a string comparison
    expect(run('d > "2026-01-01"', { d })).toBe(true);
    // a date compared with a string is not comparable: feelin says false, without warning
    expect(run('date(d) > "2026-01-01"', { d })).toBe(false);
    expect(run('date(d)', { d: 'nope' })).toBeNull();
    expect(run('date(d)', { d: null })).toBeNull();
  });
});

describe('now() and today()', () => {
  it('follow the options, not the real clock', () => {
    expect(run('now()')).toBe('2026-02-01T00:30:00+08:00');
    expect(run('today()')).toBe('2026-02-01');

    const later: EvalOptions = { now: epoch('2030-06-15T12:00:00.5Z'), zone: 'Asia/Shanghai' };
    expect(run('now()', {}, later)).toBe('2030-06-15T20:00:00.5+08:00');
    expect(run('today()', {}, later)).toBe('2030-06-15');
  });

  it('use the zone of the options', () => {
    const utc: EvalOptions = { ...options, zone: 'UTC' };
    expect(run('now()', {}, utc)).toBe('2026-01-31T16:30:00Z'); // feelin writes UTC as Z
    expect(run('today()', {}, utc)).toBe('2026-01-31');
    const newYork: EvalOptions = { ...options, zone: 'America/New_York' };
    expect(run('now()', {}, newYork)).toBe('2026-01-31T11:30:00-05:00');
  });

  it('take part in expressions', () => {
    expect(run('now() + duration("P3D")')).toBe('2026-02-04T00:30:00+08:00');
    expect(run('now().timezone')).toBe('Asia/Shanghai');
    expect(run('today() - date("2026-01-01")')).toBe('P31D');
    expect(run('date(deadline) < today()', { deadline: '2026-01-31' })).toBe(true);
    expect(
      evaluateCondition('now() > date and time(due)', { due: '2026-01-31T16:00:00Z' }, options),
    ).toBe(true);
    expect(
      evaluateCondition('now() > date and time(due)', { due: '2026-01-31T17:00:00Z' }, options),
    ).toBe(false);
    expect(run('now() = now()')).toBe(true);
  });

  it('yield to process variables of the same name', () => {
    expect(run('today', { today: 'monday' })).toBe('monday');
    expect(run('today()', { today: 'monday' })).toBeNull();
    expect(run('now()', { other: 1 })).toBe('2026-02-01T00:30:00+08:00');
  });

  it('report invalid options', () => {
    expect(() => run('now()', {}, { now: 0, zone: 'Mars/Olympus' })).toThrow(
      /^FEEL expression "now\(\)" failed: invalid clock options \(now 0, zone "Mars\/Olympus"\)/,
    );
    expect(() => run('today()', {}, { now: Number.NaN, zone: 'UTC' })).toThrow('failed');
    // not used, not checked
    expect(run('1 + 1', {}, { now: 0, zone: 'Mars/Olympus' })).toBe(2);
  });
});
