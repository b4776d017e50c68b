import { describe, expect, it } from '@jest/globals';
import { checkExpression, evaluateCondition, evaluateExpression } from './expression.js';
import type { EvalOptions } from './expression.js';
import {
  BudgetExceeded,
  DEFAULT_FEEL_LIMITS,
  type FeelLimits,
  analyse,
  withinBudget,
} from './limits.js';
import { FeelError, toJsonValue, type Variables } from './values.js';

const options: EvalOptions = { now: 1_769_877_000_000, zone: 'Asia/Shanghai' };
const limited = (limits: Partial<FeelLimits>): EvalOptions => ({
  ...options,
  limits: { ...DEFAULT_FEEL_LIMITS, ...limits },
});

/** The message of the FeelError thrown by `action`. */
function feelError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof FeelError) return error.message;
    throw error;
  }
  throw new Error('expected a FeelError');
}

/** Runs `action`, returning how long it took in ms. */
function timed(action: () => unknown): number {
  const start = performance.now();
  try {
    action();
  } catch {
    // the caller checks what was thrown
  }
  return performance.now() - start;
}

describe('which expressions run under the time budget', () => {
  it.each([
    'score >= 60',
    'a.b + 1',
    'if approved = true then "yes" else "no"',
    'count(contacts) >= 1 and count(contacts) <= 2',
    '{issue: rectification.issue, result: rectificationResult}',
    '{memberId: item, reflection: reflection}',
    'append(if xs = null then [] else xs, {at: now(), what: what})',
    'string(date(voteDate) + duration("P3M") + duration("P1D"))',
    'xs[1]',
    'xs[-1]',
    'x in [1..5]',
    'x between 1 and 10',
    'date and time("2026-01-01T00:00:00") > now()',
  ])('%s runs straight', (expression) => {
    expect(analyse(expression).guarded).toBe(false);
  });

  it.each([
    ['a for', 'count(for i in 1..10 return i)'],
    ['a some', 'some x in xs satisfies x > 1'],
    ['an every', 'every x in xs satisfies x > 1'],
    ['a user function', '{f: function(n) n + 1}.f(1)'],
    ['a computed filter', 'xs[item > 3]'],
    ['a context entry using an earlier one', '{a: s, b: a + a}.b'],
    ['a regular expression', 'matches(s, "^(a+)+$")'],
    ['a string join', 'string join(xs, s)'],
    ['distinct values', 'count(distinct values(xs))'],
    ['an unknown function', 'f(1)'],
    ['many variable references', 'a + b + c + d + e + f + g + h + i'],
    ['a syntax error', 'a +'],
  ])('%s runs under the budget (%s)', (_, expression) => {
    expect(analyse(expression).guarded).toBe(true);
  });
});

describe('iterations of literal ranges (the static step count)', () => {
  it.each([
    ['score >= 60', 0],
    ['for x in xs return x', 1],
    ['for i in 1..100 return i', 100],
    ['for i in 10..1 return i', 10],
    ['for i in [1..50] return i', 50],
    ['for i in 1..100, j in 1..30 return i * j', 3000],
    ['for i in 1..100 return for j in 1..30 return j', 3000],
    ['some i in 1..100000000 satisfies i = 3', 100_000_000],
    ['for i in [1, 2, 3] return i', 3],
  ])('%s makes %d', (expression, iterations) => {
    expect(analyse(expression).iterations).toBe(iterations);
  });

  it('given a for over 1..100000000, when checked, then the iteration limit is named', () => {
    expect(checkExpression('count(for i in 1..100000000 return i)')).toBe(
      'its literal ranges make 100,000,000 iterations, more than the limit of 10,000',
    );
  });

  it('given nested ranges within the limit each but not together, when checked, then refused', () => {
    expect(checkExpression('for i in 1..1000, j in 1..1000 return 1')).toMatch(
      /make 1,000,000 iterations/,
    );
  });

  it('given the same for at run time, when evaluated, then it fails before running', () => {
    expect(
      feelError(() => evaluateExpression('count(for i in 1..100000000 return i)', {}, options)),
    ).toBe(
      'FEEL expression "count(for i in 1..100000000 return i)" is over a limit: its literal ranges make 100,000,000 iterations, more than the limit of 10,000',
    );
  });
});

describe('the length limit', () => {
  it('given an expression longer than the limit, when checked, then the limit is named', () => {
    const long = 'x'.repeat(5000);
    expect(checkExpression(long)).toBe(
      'the expression is 5000 characters long, more than the limit of 4096',
    );
    expect(checkExpression('a + b', { ...DEFAULT_FEEL_LIMITS, maxExpressionLength: 4 })).toBe(
      'the expression is 5 characters long, more than the limit of 4',
    );
    expect(feelError(() => evaluateExpression(`1 + ${long}`, {}, options))).toMatch(
      /is over a limit: the expression is 5004 characters long, more than the limit of 4096$/,
    );
  });
});

describe('the time budget', () => {
  const budget = limited({ timeBudgetMs: 50 });
  const variables: Variables = { n: 100_000_000, s: 'a'.repeat(40) + '!' };

  it.each([
    ['a for over a variable range', 'count(for i in 1..n return i)'],
    ['a string join over a variable range', 'string length(string join(for i in 1..n return "x"))'],
    [
      'an exponential recursive function',
      '{f: function(k) if k <= 1 then 1 else f(k - 1) + f(k - 2), r: f(40)}.r',
    ],
    ['a catastrophic regular expression', 'matches(s, "^(a+)+$")'],
  ])('given %s, when evaluated, then it stops at the budget', (_, expression) => {
    let message = '';
    const elapsed = timed(() => {
      message = feelError(() => evaluateExpression(expression, variables, budget));
    });
    expect(message).toBe(
      `FEEL expression "${expression}" ran longer than the time budget of 50 ms (the FEEL time limit)`,
    );
    expect(elapsed).toBeLessThan(1000);
  });

  it('given a condition over the budget, when evaluated, then it fails the same way', () => {
    expect(
      feelError(() => evaluateCondition('some i in 1..n satisfies i < 0', variables, budget)),
    ).toMatch(/ran longer than the time budget of 50 ms/);
  });

  it('given a guarded expression within the budget, when evaluated, then it answers', () => {
    expect(evaluateExpression('for i in 1..3 return i * 2', {}, budget)).toEqual([2, 4, 6]);
    expect(evaluateCondition('some x in xs satisfies x > 2', { xs: [1, 3] }, budget)).toBe(true);
  });

  it('given a budget that ran out, when the next expression runs, then it is unaffected', () => {
    feelError(() => evaluateExpression('count(for i in 1..n return i)', variables, budget));
    expect(evaluateExpression('a + 1', { a: 1 }, budget)).toBe(2);
    expect(evaluateExpression('count(for i in 1..10 return i)', {}, budget)).toBe(10);
  });

  it('given a job that throws, when run within a budget, then its error passes through', () => {
    expect(() =>
      withinBudget(() => {
        throw new RangeError('own');
      }, 50),
    ).toThrow(RangeError);
    expect(() =>
      withinBudget(() => {
        for (;;);
      }, 20),
    ).toThrow(BudgetExceeded);
  });
});

describe('the size of results', () => {
  it('given a result with more list items than the limit, when evaluated, then the list limit is named', () => {
    expect(
      feelError(() =>
        evaluateExpression('for i in 1..30 return i', {}, limited({ maxListItems: 20 })),
      ),
    ).toBe(
      'FEEL expression "for i in 1..30 return i" is over a limit: its literal ranges make 30 iterations, more than the limit of 20',
    );
    expect(
      feelError(() =>
        evaluateExpression(
          'concatenate(xs, xs, xs)',
          { xs: [1, 2, 3, 4, 5, 6, 7] },
          limited({ maxListItems: 20 }),
        ),
      ),
    ).toBe(
      'FEEL expression "concatenate(xs, xs, xs)" has a result with more than 20 list items (the FEEL list limit)',
    );
  });

  it('given lists nested in lists, when evaluated, then items are counted together', () => {
    expect(
      feelError(() =>
        evaluateExpression(
          '[xs, xs, xs]',
          { xs: [1, 2, 3, 4, 5, 6] },
          limited({ maxListItems: 20 }),
        ),
      ),
    ).toMatch(/more than 20 list items \(the FEEL list limit\) \(at \[2\]\)$/);
  });

  it('given a result with more text than the limit, when evaluated, then the text limit is named', () => {
    expect(
      feelError(() =>
        evaluateExpression('s + s + s', { s: 'x'.repeat(400) }, limited({ maxTextLength: 1000 })),
      ),
    ).toBe(
      'FEEL expression "s + s + s" has a result with more than 1,000 characters of text (the FEEL text limit)',
    );
  });

  it('given a bare variable over the limit, when evaluated, then it is refused too', () => {
    expect(
      feelError(() =>
        evaluateExpression('s', { s: 'x'.repeat(1001) }, limited({ maxTextLength: 1000 })),
      ),
    ).toMatch(/more than 1,000 characters of text/);
  });

  it('given a result nested deeper than the limit, when converted, then the depth limit is named', () => {
    const limits = { ...DEFAULT_FEEL_LIMITS, maxDepth: 3 };
    expect(toJsonValue([[[1]]], limits)).toEqual([[[1]]]);
    expect(() => toJsonValue([[[[1]]]], limits)).toThrow(
      'the result has lists and contexts nested deeper than 3 levels (the FEEL depth limit) (at [0][0][0])',
    );
    expect(() => toJsonValue({ a: { b: { c: {} } } }, limits)).toThrow(/at a\.b\.c\)$/);
  });

  it('given no limits, when converted, then anything storable passes', () => {
    expect(toJsonValue(Array.from({ length: 20_000 }, () => 1))).toHaveLength(20_000);
  });
});
