import { createRequire } from 'node:module';

// pg's own conversion of a parameter to its text form (dates, arrays, JSON), so an inlined
// value reads exactly as the same value sent as a parameter.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue(this: void, value: unknown): string | Buffer | null;
};

/**
 * The statement with its `$1 … $n` replaced by quoted literals (escaped as pg's escapeLiteral
 * does, over pg's text form of each value). An untyped quoted literal takes its type from its context as an
 * untyped parameter does, so the statement means the same. It can then go in one simple-query
 * message with other statements (`BEGIN; …`, `…; COMMIT`), which parameters cannot. The
 * statement text must not contain `$<digits>` other than its placeholders.
 */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (placeholder, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) {
      throw new Error(`inlineParams: no value for ${placeholder}`);
    }
    return literal(params[index]);
  });
}

function literal(value: unknown): string {
  const text = prepareValue(value);
  if (text === null) return 'NULL';
  if (typeof text !== 'string') throw new Error('inlineParams: binary values are not inlined');
  return quote(text);
}

/** pg's escapeLiteral (quotes doubled; with a backslash, all doubled in an E'' string), by regex. */
function quote(text: string): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}
