import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { LedgerExceptionCode } from '@app/ledger';
import { OrgExceptionCode } from '@app/org';
import { RuntimeExceptionCode } from '@app/store';
import { GenericCode, MESSAGES, isChinese } from './messages.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Where the api's own codes are written as literals (enums, maps, HttpProblem arguments). */
const SCANNED = ['apps/api/src', 'libs/org/src/import'];
/** Upper-case literals there that are not codes the api answers (Fastify's, Node's). */
const NOT_CODES = new Set(['FST_ERR_BAD_URL', 'ERR_BUFFER_TOO_LARGE']);
const LITERAL = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * Every `code` the api can answer: the libs' exception codes, the generic codes of the
 * exception filter and the api's own literals.
 */
function answeredCodes(): Set<string> {
  const codes = new Set<string>([
    ...Object.values(RuntimeExceptionCode),
    ...Object.values(LedgerExceptionCode),
    ...Object.values(OrgExceptionCode),
    ...Object.values(GenericCode),
  ]);
  for (const file of SCANNED.flatMap(sources)) {
    for (const [, code] of readFileSync(join(ROOT, file), 'utf8').matchAll(LITERAL)) {
      if (!NOT_CODES.has(code)) codes.add(code);
    }
  }
  return codes;
}

/** The codes of the table under `## Error codes` in apps/api/README.md. */
function documentedCodes(): Set<string> {
  const readme = readFileSync(join(ROOT, 'apps/api/README.md'), 'utf8');
  const section = readme.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? '';
  return new Set([...section.matchAll(/^\| `([A-Z0-9_]+)` *\|/gm)].map(([, code]) => code));
}

describe('error codes', () => {
  it('every code the api answers is in the README table, and the table lists no other', () => {
    const answered = answeredCodes();
    const documented = documentedCodes();
    expect([...answered].filter((code) => !documented.has(code)).sort()).toEqual([]);
    expect([...documented].filter((code) => !answered.has(code)).sort()).toEqual([]);
  });

  it('every code the api answers has a Chinese message in the catalogue, and it has no other', () => {
    const answered = answeredCodes();
    const catalogued = new Set(Object.keys(MESSAGES));
    expect([...answered].filter((code) => !catalogued.has(code)).sort()).toEqual([]);
    expect([...catalogued].filter((code) => !answered.has(code)).sort()).toEqual([]);
    expect(Object.entries(MESSAGES).filter(([, message]) => !isChinese(message))).toEqual([]);
  });

  it('codes are UPPER_SNAKE', () => {
    expect(
      [...answeredCodes()].filter((code) => !/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)),
    ).toEqual([]);
  });
});
