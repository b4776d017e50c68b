import { describe, expect, it } from '@jest/globals';
import {
  checkExpression,
  evaluateAttribute,
  evaluateCondition,
  evaluateExpression,
  isExpression,
  stripExpressionMarker,
  type EvalOptions,
} from './expression.js';
import { FeelError, type Variables } from './values.js';

const options: EvalOptions = { now: 1_769_877_000_000, zone: 'Asia/Shanghai' };
const run = (expression: string, variables: Variables = {}) =>
  evaluateExpression(expression, variables, options);

/** The FeelError thrown by `action` (fails the test when nothing or something else is thrown). */
function feelError(action: () => unknown): FeelError {
  try {
    action();
  } catch (error) {
    if (error instanceof FeelError) return error;
    throw error;
  }
  throw new Error('expected a FeelError');
}

describe('expression markers', () => {
  it('recognises the leading =', () => {
    expect(isExpression('=a + 1')).toBe(true);
    expect(isExpression('  = a')).toBe(true);
    expect(isExpression('=')).toBe(true);
    expect(isExpression('a = 1')).toBe(false);
    expect(isExpression('')).toBe(false);
    expect(isExpression('static')).toBe(false);
  });

  it('strips the marker only from expressions', () => {
    expect(stripExpressionMarker('=a + 1')).toBe('a + 1');
    expect(stripExpressionMarker('  =a')).toBe('a');
    expect(stripExpressionMarker('= a')).toBe(' a');
    expect(stripExpressionMarker('a')).toBe('a');
    expect(stripExpressionMarker(' a = 1')).toBe(' a = 1');
  });
});

describe('checkExpression', () => {
  it('accepts valid expressions', () => {
    for (const valid of [
      'score >= 60',
      'a + b * 2',
      'if x then "y" else "z"',
      'some x in xs satisfies x > 1',
      'xs[item > 1]',
      '{a: 1, "b c": [1, 2]}.a',
      'first name',
      'date and time("2026-01-31T00:00:00+08:00") + duration("P1M")',
      '申请人.姓名 = "张三"',
    ]) {
      expect([valid, checkExpression(valid)]).toEqual([valid, null]);
    }
  });

  it('says what is wrong and where', () => {
    expect(checkExpression('score >= ')).toBe('Incomplete <Comparison> at 9');
    expect(checkExpression('1 +')).toBe('Incomplete <ArithmeticExpression> at 3');
    expect(checkExpression('foo(')).toBe('Incomplete <FunctionInvocation> at 4');
    expect(checkExpression('[1, 2')).toBe('Incomplete <List> at 5');
    expect(checkExpression('if x then 1')).toBe('Incomplete <IfExpression> at 11');
    expect(checkExpression('"abc')).toBe('Unrecognized token in <Expression> at 0 ("\\"")');
    expect(checkExpression('a."x y"')).toBe(
      'Unrecognized token in <PathExpression> at 2 ("\\"x y\\"")',
    );
    expect(checkExpression('1x')).toBe('Unrecognized token in <Expression> at 1 ("x")');
  });

  it('rejects empty and blank expressions', () => {
    expect(checkExpression('')).toBe('the expression is empty');
    expect(checkExpression('   ')).toBe('the expression is empty');
  });

  it('rejects a bare unary test, e.g. a doubled =', () => {
    expect(checkExpression('=a')).toBe('Comparison without left operand at 0 ("=")');
    expect(checkExpression('  >= 5')).toBe('Comparison without left operand at 2 (">=")');
    expect(checkExpression('x in < 5')).toBeNull();
    expect(checkExpression('[1..5]')).toBeNull();
    // feelin evaluates them to a function / a range, which the evaluation rejects
    expect(() => run('=a', { a: 1 })).toThrow('a function cannot be stored');
    expect(() => run('< 5')).toThrow('a range (null..5) cannot be stored');
  });

  it('words syntax errors like the evaluation does', () => {
    for (const invalid of ['score >= ', '"abc', '[1, 2', 'x > 1 and', '1x', '']) {
      const message = checkExpression(invalid);
      expect(message).not.toBeNull();
      expect(feelError(() => run(invalid)).message).toBe(
        `FEEL expression "${invalid}" is invalid: ${message}`,
      );
    }
  });
});

describe('evaluateExpression', () => {
  it('does arithmetic', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 / 4')).toBe(2.5);
    expect(run('2 ** 10')).toBe(1024);
    expect(run('-5 + 2')).toBe(-3);
    expect(run('price * quantity', { price: 1.5, quantity: 4 })).toBe(6);
    expect(run('modulo(7, 3)')).toBe(1);
    expect(run('decimal(1 / 3, 2)')).toBe(0.33);
    expect(run('floor(1.5) + ceiling(1.5)')).toBe(3);
  });

  it('uses binary floating point, unlike Camunda (BigDecimal)', () => {
    expect(run('0.1 + 0.2')).toBe(0.30000000000000004);
  });

  it('gives null for a division by zero and for mixed types', () => {
    expect(run('1 / 0')).toBeNull();
    expect(run('"a" + 1')).toBeNull();
    expect(run('a + 1', { a: '1' })).toBeNull();
  });

  it('compares', () => {
    expect(run('score >= 60', { score: 60 })).toBe(true);
    expect(run('score < 60', { score: 60 })).toBe(false);
    expect(run('a = b', { a: 'x', b: 'x' })).toBe(true);
    expect(run('a != b', { a: 1, b: 2 })).toBe(true);
    expect(run('x between 1 and 5', { x: 5 })).toBe(true);
    expect(run('x in [1..5)', { x: 5 })).toBe(false);
    expect(run('x in (1, 2, 3)', { x: 2 })).toBe(true);
    expect(run('"b" > "a"')).toBe(true);
    expect(run('not(x)', { x: false })).toBe(true);
    expect(run('if score >= 90 then "A" else "B"', { score: 95 })).toBe('A');
  });

  it('has the string functions', () => {
    expect(run('"Hello, " + name', { name: '张三' })).toBe('Hello, 张三');
    expect(run('upper case("abc") + lower case("DEF")')).toBe('ABCdef');
    expect(run('substring("hello", 2, 3)')).toBe('ell');
    expect(run('string length("党建")')).toBe(2);
    expect(run('contains("hello", "ell")')).toBe(true);
    expect(run('starts with("hello", "he") and ends with("hello", "lo")')).toBe(true);
    expect(run('substring before("a-b", "-") + substring after("a-b", "-")')).toBe('ab');
    expect(run('replace("abc", "b", "X")')).toBe('aXc');
    expect(run('matches("A-123", "^[A-Z]-\\d+$")')).toBe(true);
    expect(run('split("a,b,c", ",")')).toEqual(['a', 'b', 'c']);
    expect(run('string join(["a", "b"], "-")')).toBe('a-b');
    expect(run('string(12)')).toBe('12');
    expect(run('number("12.5")')).toBe(12.5);
  });

  it('works with lists', () => {
    const xs = [1, 2, 3];
    expect(run('count(xs)', { xs })).toBe(3);
    expect(run('sum(xs) + max(xs) + min(xs)', { xs })).toBe(10);
    expect(run('some x in xs satisfies x > 2', { xs })).toBe(true);
    expect(run('every x in xs satisfies x > 2', { xs })).toBe(false);
    expect(run('xs[item > 1]', { xs })).toEqual([2, 3]);
    expect(run('xs[1]', { xs })).toBe(1);
    expect(run('xs[-1]', { xs })).toBe(3);
    expect(run('xs[10]', { xs })).toBeNull();
    expect(run('for x in xs return x * 2', { xs })).toEqual([2, 4, 6]);
    expect(run('list contains(xs, 2)', { xs })).toBe(true);
    expect(run('append(xs, 4)', { xs })).toEqual([1, 2, 3, 4]);
    expect(run('sort([3, 1, 2], function(a, b) a < b)')).toEqual([1, 2, 3]);
    expect(run('count([])')).toBe(0);
  });

  it('filters lists of contexts and projects paths', () => {
    const members = [
      { name: '张三', age: 30, branch: { id: 'b1' } },
      { name: '李四', age: 50, branch: { id: 'b2' } },
    ];
    expect(run('members[age > 40].name', { members })).toEqual(['李四']);
    expect(run('members.branch.id', { members })).toEqual(['b1', 'b2']);
    expect(run('count(members[branch.id = "b1"])', { members })).toBe(1);
  });

  it('works with contexts and paths', () => {
    const order = { customer: { name: 'Ann', 'vip level': 2 }, lines: [{ qty: 2 }, { qty: 3 }] };
    expect(run('order.customer.name', { order })).toBe('Ann');
    expect(run('order.customer.vip level', { order })).toBe(2);
    expect(run('sum(order.lines.qty)', { order })).toBe(5);
    expect(run('{a: 1, b: a + 1}')).toEqual({ a: 1, b: 2 });
    expect(run('{a: {b: [1, {c: 2}]}}.a.b[2].c')).toBe(2);
    expect(run('get value(order.customer, "name")', { order })).toBe('Ann');
    expect(run('context put({a: 1}, "b", 2)')).toEqual({ a: 1, b: 2 });
    expect(run('order', { order })).toEqual(order);
  });

  it('yields null for missing variables and paths', () => {
    expect(run('missing')).toBeNull();
    expect(run('missing.a.b')).toBeNull();
    expect(run('order.missing', { order: {} })).toBeNull();
    expect(run('x', { x: null })).toBeNull();
    expect(run('x', { x: undefined })).toBeNull();
    expect(run('missing > 1')).toBeNull();
    expect(run('missing = null')).toBe(true);
    expect(run('missing + 1')).toBeNull();
    expect(run('if missing then 1 else 2')).toBe(2);
    expect(run('true and missing')).toBeNull();
    expect(run('false and missing')).toBe(false);
    expect(run('true or missing')).toBe(true);
  });

  it('returns a bare variable as it is (fast path) and agrees with feelin', () => {
    const variables = { orderId: 'o-1', 分数: 70, _n: null, list: [{ a: 1 }] };
    expect(run('orderId', variables)).toBe('o-1');
    expect(run(' orderId ', variables)).toBe('o-1');
    expect(run('分数', variables)).toBe(70);
    expect(run('_n', variables)).toBeNull();
    expect(run('list', variables)).toEqual([{ a: 1 }]);
    // keywords, missing and undefined variables go through feelin
    expect(run('null', { null: 1 })).toBe(1);
    expect(run('true')).toBe(true);
    expect(run('toString')).toBeNull();
    expect(run('constructor')).toBeNull();
  });

  it('gives the same results when an evaluation is remembered: by the named variables and the clock', () => {
    const due = 'string(date(month + "-01") + duration("P1M") - duration("P1D"))';
    // Variables the expression does not name change nothing; those it names change the result
    expect(run(due, { month: '2026-02', memberIds: ['a', 'b'] })).toBe('2026-02-28');
    expect(run(due, { month: '2026-02', other: 1 })).toBe('2026-02-28');
    expect(run(due, { month: '2026-03' })).toBe('2026-03-31');
    expect(run(due, { month: '2026-02' })).toBe('2026-02-28');
    // Names with blanks and operators, spelled as the grammar compares them
    expect(run('order  total + 1', { 'order total': 10, order: 1 })).toBe(11);
    expect(run('order  total + 1', { 'order total': 20, order: 1 })).toBe(21);
    expect(run('a-b * 2', { 'a - b': 3 })).toBe(6);
    // now() and today() follow the clock (noon in Shanghai on 1 and 2 March 2026)
    const MARCH_1_NOON = 1_772_337_600_000;
    const MARCH_2_NOON = MARCH_1_NOON + 86_400_000;
    const at = (now: number) => evaluateExpression('string(today())', {}, { ...options, now });
    expect(at(MARCH_1_NOON)).toBe('2026-03-01');
    expect(at(MARCH_2_NOON)).toBe('2026-03-02');
    expect(
      evaluateExpression('string(today())', {}, { now: MARCH_2_NOON, zone: 'America/New_York' }),
    ).toBe('2026-03-01');
  });

  it('throws a FeelError on syntax errors', () => {
    const error = feelError(() => run('score >= ', { score: 1 }));
    expect(error.message).toBe(
      'FEEL expression "score >= " is invalid: Incomplete <Comparison> at 9',
    );
    expect(error.expression).toBe('score >= ');
  });

  it('throws a FeelError when the result is not JSON', () => {
    expect(feelError(() => run('[1..10]')).message).toBe(
      'FEEL expression "[1..10]" has a result that is not JSON: ' +
        'a range [1..10] cannot be stored as a JSON value',
    );
    expect(() => run('function(x) x')).toThrow('a function cannot be stored');
    expect(() => run('x * 2', { x: Infinity })).toThrow('Infinity cannot be stored');
  });

  it('throws a FeelError when feelin fails at run time', () => {
    const error = feelError(() => run('boom()', { boom: () => raise('kaput') }));
    expect(error.message).toBe('FEEL expression "boom()" failed: kaput');
  });

  it('never evaluates JavaScript', () => {
    expect(run('"process.exit(1)"')).toBe('process.exit(1)');
    expect(run('constructor.constructor("return 1")')).toBeNull();
  });
});

describe('evaluateCondition', () => {
  const condition = (expression: string, variables: Variables = {}) =>
    evaluateCondition(expression, variables, options);

  it('accepts expressions with or without =', () => {
    expect(condition('score >= 60', { score: 70 })).toBe(true);
    expect(condition('=score >= 60', { score: 50 })).toBe(false);
    expect(condition(' = approved', { approved: true })).toBe(true);
    expect(condition('approved', { approved: false })).toBe(false);
  });

  it('rejects null with the warnings', () => {
    const error = feelError(() => condition('score >= 60'));
    expect(error.message).toBe(
      `condition "score >= 60" evaluated to null, not a boolean (variable 'score' not found)`,
    );
    expect(error.expression).toBe('score >= 60');
    expect(() => condition('=a.b', { a: {} })).toThrow(
      `condition "a.b" evaluated to null, not a boolean (key 'b' not found in '{...}')`,
    );
    expect(() => condition('x.y > 1')).toThrow(
      "(variable 'x' not found; property 'y' not found in 'null')",
    );
  });

  it('rejects null without warnings', () => {
    expect(() => condition('flag', { flag: null })).toThrow(
      /^condition "flag" evaluated to null, not a boolean$/,
    );
  });

  it('rejects other types', () => {
    expect(() => condition('1 + 1')).toThrow('condition "1 + 1" evaluated to 2, not a boolean');
    expect(() => condition('=status', { status: 'ok' })).toThrow(
      'condition "status" evaluated to "ok", not a boolean',
    );
    expect(() => condition('[true]')).toThrow('evaluated to [true], not a boolean');
    expect(() => condition('date("2026-01-01")')).toThrow('evaluated to "2026-01-01", not a');
    expect(() => condition('[1..2]')).toThrow('evaluated to a range [1..2], not a boolean');
    expect(() => condition('"a" + 1')).toThrow(
      `evaluated to null, not a boolean (can't add '1' to '"a"')`,
    );
    expect(() => condition('x', { x: 'a'.repeat(100) })).toThrow(`"${'a'.repeat(56)}...`);
  });

  it('reports syntax errors', () => {
    expect(() => condition('=score >= ')).toThrow(
      'FEEL expression "score >= " is invalid: Incomplete <Comparison> at 9',
    );
    expect(() => condition('=')).toThrow('FEEL expression "" is invalid: the expression is empty');
  });
});

describe('evaluateAttribute', () => {
  const attribute = (value: string, variables: Variables = {}) =>
    evaluateAttribute(value, variables, options);

  it('returns static values unchanged', () => {
    expect(attribute('hello')).toBe('hello');
    expect(attribute('a + 1', { a: 1 })).toBe('a + 1');
    expect(attribute('')).toBe('');
    expect(attribute(' 42 ')).toBe(' 42 ');
  });

  it('evaluates expressions', () => {
    expect(attribute('=a + 1', { a: 1 })).toBe(2);
    expect(attribute('= "x"')).toBe('x');
    expect(attribute('=orderId', { orderId: 7 })).toBe(7);
    expect(attribute('=missing')).toBeNull();
    expect(() => attribute('=')).toThrow(FeelError);
  });
});

function raise(message: string): never {
  throw new Error(message);
}
