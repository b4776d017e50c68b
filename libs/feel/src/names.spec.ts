// Pins what feelin does with names (see the comment at the top of expression.ts).
import { describe, expect, it } from '@jest/globals';
import { checkExpression, evaluateExpression, type EvalOptions } from './expression.js';
import type { Variables } from './values.js';

const options: EvalOptions = { now: 0, zone: 'UTC' };
const run = (expression: string, variables: Variables = {}) =>
  evaluateExpression(expression, variables, options);

describe('variable names', () => {
  it('may contain spaces', () => {
    expect(run('first name + " " + last name', { 'first name': 'Ann', 'last name': 'Lee' })).toBe(
      'Ann Lee',
    );
    expect(run('order total > 5', { 'order total': 10 })).toBe(true);
    expect(run('order  total', { 'order total': 10 })).toBe(10); // runs of blanks count as one
  });

  it('are read with the variables as part of the grammar', () => {
    expect(run('a-b', { a: 7, b: 5 })).toBe(2);
    expect(run('a-b', { 'a-b': 1, a: 7, b: 5 })).toBe(1);
    expect(run('x and y', { x: true, y: false })).toBe(false);
    expect(run('x and y', { 'x and y': 5, x: true, y: false })).toBe(5);
    expect(run('a.b', { a: { b: 2 } })).toBe(2);
    expect(run('a.b', { 'a.b': 1, a: { b: 2 } })).toBe(1);
  });

  it('make an unknown multi-word name one missing variable', () => {
    expect(run('a b c')).toBeNull();
    expect(checkExpression('a b c')).toBeNull();
  });

  it('may be keywords when a variable has that name', () => {
    expect(run('if', { if: 1 })).toBe(1);
    expect(run('for + then', { for: 1, then: 2 })).toBe(3);
    expect(run('true', { true: 'yes' })).toBe('yes');
    expect(() => run('if')).toThrow('Incomplete <IfExpression>');
    expect(checkExpression('if')).toBe('Incomplete <IfExpression> at 2');
  });

  it('may be Chinese', () => {
    expect(run('分数 >= 60', { 分数: 70 })).toBe(true);
    expect(run('申请人.姓名', { 申请人: { 姓名: '张三' } })).toBe('张三');
  });

  it('are case-sensitive', () => {
    expect(run('A', { a: 1 })).toBeNull();
  });

  it('share one namespace with the functions, variables first', () => {
    expect(run('count', { count: 5 })).toBe(5);
    expect(run('count([1])', { count: 5 })).toBeNull();
    expect(run('double(4)', { double: (x: number) => x * 2 })).toBe(8);
  });

  it('do not reach JavaScript properties', () => {
    expect(run('toString')).toBeNull();
    expect(run('__proto__')).toBeNull();
    expect(run('x.length', { x: 'abc' })).toBeNull();
  });
});

describe('context keys', () => {
  it('may contain spaces and keywords', () => {
    expect(run('{a b: 1, if: 2}')).toEqual({ 'a b': 1, if: 2 });
    expect(run('{"a-b": 1, "x.y": 2}')).toEqual({ 'a-b': 1, 'x.y': 2 });
    expect(run('a.first name', { a: { 'first name': 3 } })).toBe(3);
    expect(run('a.if', { a: { if: 3 } })).toBe(3);
    expect(run('{a b: 1}.a b')).toBe(1);
  });

  it('are case-sensitive in paths', () => {
    expect(run('a.B', { a: { b: 1 } })).toBeNull();
  });

  it('cannot be quoted in paths', () => {
    expect(checkExpression('a."x y"')).toMatch(/^Unrecognized token in <PathExpression> at 2/);
    expect(run('get value(a, "x y")', { a: { 'x y': 3 } })).toBe(3);
  });
});
