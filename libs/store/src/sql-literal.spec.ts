import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { inlineParams } from './sql-literal.js';

const TRICKY = [
  '',
  'plain',
  "it's",
  "''",
  'back\\slash',
  "both \\' kinds",
  '\\',
  '$1 and $$ dollars',
  '支部书记 🚩',
  '{"a":"it\'s","b":"c\\\\d"}',
];

describe('inlineParams', () => {
  it('quotes strings exactly as pg.escapeLiteral does', () => {
    for (const text of TRICKY) {
      expect(inlineParams('$1', [text])).toBe(pg.escapeLiteral(text));
    }
  });

  it('writes null as NULL and other values in pg’s text form', () => {
    expect(inlineParams('($1, $2, $3, $4)', [null, undefined, 5, true])).toBe(
      "(NULL, NULL, '5', 'true')",
    );
    expect(inlineParams('$1', [['a', "b'c", null]])).toBe(`'{"a","b''c",NULL}'`);
    const at = new Date(Date.UTC(2026, 2, 2, 1, 2, 3, 4));
    expect(new Date(inlineParams('$1', [at]).slice(1, -1)).getTime()).toBe(at.getTime());
  });

  it('replaces every placeholder once, never inside an inlined value', () => {
    expect(inlineParams('$2 $1 $2', ['$2', 'x'])).toBe("'x' '$2' 'x'");
    expect(
      inlineParams(
        '$10 $1',
        Array.from({ length: 10 }, (_, i) => String(i + 1)),
      ),
    ).toBe("'10' '1'");
    expect(() => inlineParams('$3', ['a'])).toThrow(/no value for \$3/);
  });
});
