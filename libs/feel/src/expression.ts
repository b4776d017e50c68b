import { evaluate, parseExpression, SyntaxError as FeelinSyntaxError, toFeel } from 'feelin';
import type { Warning } from 'feelin';
import { Temporal } from 'temporal-polyfill';
import { FeelError, toJsonValue, type JsonValue, type Variables } from './values.js';

/*
 * What feelin (v8.2) does with names — checked by hand and pinned in names.spec.ts:
 *
 * - Parsing is context-aware: the variable names given to an evaluation are part of the
 *   grammar. With `{ 'first name': 'Bob' }` the expression `first name` is that variable; with
 *   `{ 'x and y': 5, x, y }` the expression `x and y` is the variable (5), not a conjunction;
 *   `a-b` is the variable 'a-b' when there is one, else `a - b`; `a.b` is the variable 'a.b'
 *   when there is one, else a path. An unknown multi-word name is one variable: `a b c` ->
 *   null + "Variable 'a b c' not found".
 * - Keywords can be variable names when the context has them: `if`, `for`, `and`, `null`,
 *   even `true` evaluate to the variable. Without such a variable, `if` is a syntax error.
 * - Context keys: `{a b: 1}` and `{if: 1}` are valid literals; path access works with spaces
 *   and keywords (`a.first name`, `a.if`) and is case-sensitive; quoted keys in paths
 *   (`a."x y"`) are a syntax error. `xs.name` on a list maps over the list.
 * - Variables and functions share one namespace, and the context wins over builtins: a variable
 *   `count` hides count(), a variable `today` makes `today()` null ("Cannot invoke").
 *   We pass now()/today() through the context *under* the variables, so a process variable
 *   called `now` or `today` keeps its value (and the clock functions are then unavailable);
 *   the real clock is never read either way.
 * - A missing variable is null plus a NO_VARIABLE_FOUND warning; `x = null` is then true.
 *
 * Other feelin quirks (pinned in the specs): numbers are binary doubles (0.1 + 0.2 is not 0.3,
 * Camunda uses BigDecimal); `date(d) > "2026-01-01"` is false, not null (date vs string);
 * `years and months duration()` keeps leftover days (P1Y2M5D); a bare unary test (`< 5`, `=a`)
 * is a valid expression; exceptions thrown by functions in the context escape evaluate();
 * Camunda extensions such as `is defined()` and `trim()` do not exist. Its index.d.ts declares
 * isDate/isDateTime/... exports that the JavaScript does not have: use instanceof FeelDate etc.
 *
 * Performance (measured with node 20 on the dev box): feelin parses the text, then builds
 * an execution tree of closures, then runs it, on every call (~90 µs for `score >= 60`,
 * ~30 µs of which parsing). It exposes no way to run a parsed tree (the Interpreter is
 * internal and its closures capture the per-call warning collector), and since parsing depends
 * on the variable names a cache key would have to include them; so there is no cache. The one
 * shortcut is the commonest Camunda expression, a bare variable name (`=orderId`), which is
 * answered by a property lookup (same result as feelin, ~0.4 µs instead of ~80 µs).
 */

/** Options of an evaluation. The library never reads the real clock. */
export interface EvalOptions {
  /** Epoch milliseconds: the instant now() and today() return. */
  readonly now: number;
  /** IANA zone (e.g. 'Asia/Shanghai') in which now() and today() are expressed. */
  readonly zone: string;
}

/** Whether an attribute value is a FEEL expression: starts with '=' (leading blanks ignored). */
export function isExpression(attribute: string): boolean {
  return attribute.trimStart().startsWith('=');
}

/** '=a + 1' -> 'a + 1'; an attribute that is not an expression is returned unchanged. */
export function stripExpressionMarker(attribute: string): string {
  return isExpression(attribute) ? attribute.trimStart().slice(1) : attribute;
}

/**
 * Syntax check of an expression without '='. Returns null when valid, else one line saying what
 * is wrong and where (same wording as the FeelError of an evaluation). Names are checked without
 * variables, so a variable named like a keyword (`if`) is reported invalid here. Stricter than
 * feelin in one point: a bare unary test (`< 5`, `=a` from a doubled '=') is rejected.
 */
export function checkExpression(expression: string): string | null {
  if (expression.trim() === '') return EMPTY;
  let problem: string | null = null;
  const tree = parseExpression(expression, {}, undefined);
  tree.iterate({
    enter(ref) {
      if (problem !== null) return false;
      if (!ref.type.isError) return undefined;
      // same diagnosis as feelin's lintError (which only runs inside evaluate)
      const node = ref.node;
      const parent = node.parent?.name ?? 'Expression';
      if (node.from !== node.to) {
        problem = describe(`Unrecognized token in <${parent}>`, expression, node.from, node.to);
      } else {
        let next = null;
        for (let at: typeof node | null = node; at && !next; at = at.parent) next = at.nextSibling;
        if (next) {
          const message = `Unrecognized token <${next.name}> in <${parent}>`;
          problem = describe(message, expression, next.from, next.to);
        } else {
          const unfinished = node.parent?.enterUnfinishedNodesBefore(ref.to).name ?? parent;
          problem = describe(`Incomplete <${unfinished}>`, expression, node.from, node.to);
        }
      }
      return false;
    },
  });
  if (problem !== null) return problem;
  // feelin also takes a unary test for an expression: `< 5` is a range, `=a` (a doubled '=')
  // a function; neither is a usable value, so they are reported here.
  const top = tree.topNode.firstChild;
  const operator = top?.name === 'SimplePositiveUnaryTest' ? top.firstChild : null;
  if (operator?.name === 'CompareOp') {
    return describe('Comparison without left operand', expression, operator.from, operator.to);
  }
  return null;
}

/** Evaluates an expression (without '=') and returns its result as JSON. */
export function evaluateExpression(
  expression: string,
  variables: Variables,
  options: EvalOptions,
): JsonValue {
  const { value } = run(expression, variables, options);
  try {
    return toJsonValue(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FeelError(
      `FEEL expression "${expression}" has a result that is not JSON: ${reason}`,
      expression,
    );
  }
}

/**
 * Evaluates a sequence-flow condition (with or without a leading '='). Anything but a boolean
 * result (null included) is an error, whose message carries feelin's warnings.
 */
export function evaluateCondition(
  expression: string,
  variables: Variables,
  options: EvalOptions,
): boolean {
  const condition = stripExpressionMarker(expression);
  const { value, warnings } = run(condition, variables, options);
  if (typeof value === 'boolean') return value;
  throw new FeelError(
    `condition "${condition}" evaluated to ${show(value)}, not a boolean${explain(warnings)}`,
    condition,
  );
}

/** A static attribute is returned as it is; '=expr' is evaluated. */
export function evaluateAttribute(
  attribute: string,
  variables: Variables,
  options: EvalOptions,
): JsonValue {
  return isExpression(attribute)
    ? evaluateExpression(stripExpressionMarker(attribute), variables, options)
    : attribute;
}

const EMPTY = 'the expression is empty';

// Reserved words of the FEEL grammar: feelin reads them as variables only when the context has
// them, so they are left to feelin.
const KEYWORDS = new Set(
  'true false null if then else for in return some every satisfies and or not between instance of function external'.split(
    ' ',
  ),
);
const SIMPLE_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

interface Outcome {
  readonly value: unknown;
  readonly warnings: readonly Warning[];
}

function run(expression: string, variables: Variables, options: EvalOptions): Outcome {
  const name = expression.trim();
  if (SIMPLE_NAME.test(name) && !KEYWORDS.has(name) && Object.hasOwn(variables, name)) {
    const value = variables[name];
    if (value !== undefined) return { value, warnings: [] };
  }
  try {
    return evaluate(expression, { ...clock(options), ...variables });
  } catch (error) {
    if (error instanceof FeelinSyntaxError) {
      const { from, to } = error.position;
      const reason = describe(error.message, expression, from, to);
      throw new FeelError(`FEEL expression "${expression}" is invalid: ${reason}`, expression);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new FeelError(`FEEL expression "${expression}" failed: ${reason}`, expression);
  }
}

/** now() and today() for the context; the instant is computed once, on first use. */
function clock(options: EvalOptions): { now: () => unknown; today: () => unknown } {
  let zoned: Temporal.ZonedDateTime | undefined;
  const instant = (): Temporal.ZonedDateTime => {
    if (zoned) return zoned;
    try {
      zoned = Temporal.Instant.fromEpochMilliseconds(options.now).toZonedDateTimeISO(options.zone);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `invalid clock options (now ${options.now}, zone "${options.zone}"): ${reason}`,
      );
    }
    return zoned;
  };
  return {
    now: (): unknown => toFeel(instant()),
    today: (): unknown => toFeel(instant().toPlainDate()),
  };
}

function describe(message: string, expression: string, from: number, to: number): string {
  if (expression.trim() === '') return EMPTY;
  const token = expression.slice(from, to);
  return `${message} at ${from}${token === '' ? '' : ` (${JSON.stringify(token)})`}`;
}

function show(value: unknown): string {
  try {
    const json = JSON.stringify(toJsonValue(value));
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch (error) {
    return error instanceof FeelError ? error.message.replace(/ cannot be stored.*$/, '') : '?';
  }
}

function explain(warnings: readonly Warning[]): string {
  const messages = [
    ...new Set(warnings.map((w) => w.message.charAt(0).toLowerCase() + w.message.slice(1))),
  ];
  return messages.length === 0 ? '' : ` (${messages.join('; ')})`;
}
