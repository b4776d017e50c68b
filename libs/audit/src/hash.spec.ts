import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { GENESIS_HASH, auditHash, canonicalJson } from './hash.js';

/** The first implementation, kept as the reference: chains written with it must still verify. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((item) => reference(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${reference(item)}`).join(',')}}`;
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'B', 'b', '', 'é', '中文', 'Z', '10', '9', 'a b', 'x"y', '\u{1f600}'];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return next() < 0.5;
    case 3:
      return Math.floor(next() * 2000) - 1000 + (next() < 0.3 ? 0.5 : 0);
    case 4:
      return KEYS[Math.floor(next() * KEYS.length)] + '\n\\"';
    case 5:
      return new Date(1_700_000_000_000 + Math.floor(next() * 1e9)).toISOString();
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    default: {
      const record: Record<string, unknown> = {};
      const n = Math.floor(next() * 5);
      for (let i = 0; i < n; i++)
        record[KEYS[Math.floor(next() * KEYS.length)]] = value(next, depth + 1);
      return record;
    }
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves undefined members out', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null }, u: undefined }),
    ).toBe('{"a":{"c":null,"d":[3,{"z":1}]},"b":1}');
  });

  it('writes undefined array items and undefined values as null, like JSON', () => {
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('is the same text for the same object whatever its key order (as after jsonb)', () => {
    const value = { x: 1, a: [{ q: 'é', p: true }], m: { '10': 1, '9': 2 } };
    const reordered: unknown = JSON.parse(
      JSON.stringify({ m: { '9': 2, '10': 1 }, a: [{ p: true, q: 'é' }], x: 1 }),
    );
    expect(canonicalJson(reordered)).toBe(canonicalJson(value));
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('gives exactly the text of the first implementation on 2,000 generated values', () => {
    const next = random(20261121);
    for (let i = 0; i < 2000; i++) {
      const sample = value(next, 0);
      expect(canonicalJson(sample)).toBe(reference(sample));
    }
  });
});

describe('auditHash', () => {
  it('is sha256 of the previous hash, a newline and the event in canonical JSON (first implementation)', () => {
    const next = random(7);
    let prev = GENESIS_HASH;
    for (let i = 0; i < 500; i++) {
      const event = {
        stream: `s${i % 3}`,
        seq: i + 1,
        instanceId: next() < 0.3 ? null : `i-${i}`,
        type: 'task.created',
        actor: 'u' + String(value(next, 3)),
        elementId: next() < 0.5 ? null : 'Task_1',
        data: value(next, 0),
        at: 1_700_000_000_000 + i,
      };
      const expected = createHash('sha256')
        .update(prev)
        .update('\n')
        .update(reference(event))
        .digest('hex');
      expect(auditHash(prev, event)).toBe(expected);
      prev = expected;
    }
  });

  it('chains: the hash depends on the previous hash and on every field', () => {
    const event = {
      stream: 's',
      seq: 1,
      instanceId: null,
      type: 'task.created',
      actor: 'u',
      elementId: 'Task_1',
      data: { b: 1, a: 2 },
      at: 1_700_000_000_000,
    };
    const hash = auditHash(GENESIS_HASH, event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash(GENESIS_HASH, { ...event, data: { a: 2, b: 1 } })).toBe(hash);
    expect(auditHash(hash, event)).not.toBe(hash);
    expect(auditHash(GENESIS_HASH, { ...event, seq: 2 })).not.toBe(hash);
    expect(auditHash(GENESIS_HASH, { ...event, data: { a: 2, b: 2 } })).not.toBe(hash);
  });
});
