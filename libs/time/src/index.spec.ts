import { describe, expect, it } from '@jest/globals';
import * as time from './index.js';

describe('@app/time entry point', () => {
  it('given the entry point, when imported, then it exports exactly the public API', () => {
    expect(Object.keys(time).sort()).toEqual([
      'DEFAULT_TIMER_LIMITS',
      'DEFAULT_TIME_ZONE',
      'TimeExpressionError',
      'addDuration',
      'checkCycleLimits',
      'checkTimerExpression',
      'cycleDueAt',
      'firstDueAt',
      'formatInstant',
      'parseCycle',
      'parseDateTime',
      'parseDuration',
      'subtractDuration',
    ]);
  });

  it('given the default zone, when read, then it is Asia/Shanghai', () => {
    expect(time.DEFAULT_TIME_ZONE).toBe('Asia/Shanghai');
  });

  it('given a TimeExpressionError, when inspected, then it is an Error with its own name', () => {
    const error = new time.TimeExpressionError('"x" is bad');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TimeExpressionError');
    expect(error.message).toBe('"x" is bad');
  });
});
