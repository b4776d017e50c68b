/** One thing wrong with what a client sent, by the path of the field (`variables.plan`). */
export interface InputProblem {
  readonly field: string;
  readonly message: string;
}

/** Longest field path quoted back (a path 20,000 levels deep is cut). */
const MAX_FIELD_LENGTH = 200;

/**
 * What PostgreSQL refuses in text and jsonb, and what no person types: the NUL character and
 * a UTF-16 surrogate without its partner (JSON can carry both as `\u0000` / `\ud800`).
 */
const BAD_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text with each NUL and unpaired surrogate replaced by U+FFFD (for what is only logged). */
export function withoutBadCharacters(text: string): string {
  return text.replace(new RegExp(BAD_CHARACTER.source, 'g'), '\uFFFD');
}

/** Why a string cannot be stored, or null when it can. */
export function badString(text: string): string | null {
  const match = BAD_CHARACTER.exec(text);
  if (!match) return null;
  return match[0] === '\u0000'
    ? 'must not contain the NUL character (\\u0000)'
    : `must not contain an unpaired UTF-16 surrogate (${JSON.stringify(match[0]).slice(1, -1)})`;
}

/**
 * The first problem of a parsed JSON value, or null: nesting deeper than `maxDepth` (the
 * value itself is depth 1), or a key or string that cannot be stored (see badString). Walks
 * with its own stack, so a value nested 20,000 deep costs no call stack; every node is
 * visited once, depth first, in document order.
 */
export function jsonProblem(value: unknown, maxDepth: number, root = ''): InputProblem | null {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 1 },
  ];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (typeof node.value === 'string') {
      const problem = badString(node.value);
      if (problem) return { field: fieldName(node.path, root), message: problem };
      continue;
    }
    if (typeof node.value !== 'object' || node.value === null) continue;
    if (node.depth > maxDepth) {
      return {
        field: fieldName(node.path, root),
        message: `nests deeper than ${maxDepth} levels of arrays and objects`,
      };
    }
    const entries: (readonly [string, unknown])[] = Array.isArray(node.value)
      ? (node.value as unknown[]).map((item, index) => [String(index), item] as const)
      : Object.entries(node.value as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, item] = entries[i];
      const path = join(node.path, key);
      const problem = badString(key);
      if (problem) return { field: fieldName(path, root), message: `(a key) ${problem}` };
      stack.push({ value: item, path, depth: node.depth + 1 });
    }
  }
  return null;
}

/** The first value of a parsed query string or path parameters that cannot be stored. */
export function paramsProblem(params: unknown): InputProblem | null {
  if (typeof params !== 'object' || params === null) return null;
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const problem = badString(key) ?? badString(text);
      if (problem) return { field: fieldName(key, ''), message: problem };
    }
  }
  return null;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The path as quoted back: bad characters escaped, cut to MAX_FIELD_LENGTH. */
function fieldName(path: string, root: string): string {
  const shown = path === '' ? root || 'body' : JSON.stringify(path).slice(1, -1);
  return shown.length > MAX_FIELD_LENGTH ? `${shown.slice(0, MAX_FIELD_LENGTH)}…` : shown;
}
