import { evaluate, parseExpression, SyntaxError as FeelinSyntaxError, toFeel } from 'feelin';
import type { Warning } from 'feelin';
import { Temporal } from 'temporal-polyfill';
import {
  BudgetExceeded,
  DEFAULT_FEEL_LIMITS,
  type FeelLimits,
  type FeelTimeAccount,
  analyse,
  checkStaticLimits,
  withinBudget,
} from './limits.js';
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
 *
 * Limits (limits.ts): an expression is checked against the static limits (length, iterations
 * of literal ranges) and classified once per text (cached); one that can take more than linear
 * time runs under the time budget, and every result is bounded in size when it is converted.
 */

/** Options of an evaluation. The library never reads the real clock. */
export interface EvalOptions {
  /** Epoch milliseconds: the instant now() and today() return. */
  readonly now: number;
  /** IANA zone (e.g. 'Asia/Shanghai') in which now() and today() are expressed. */
  readonly zone: string;
  /** What an evaluation may cost; default DEFAULT_FEEL_LIMITS. */
  readonly limits?: FeelLimits;
  /**
   * The time account the timed evaluations of one engine step share (`limits.stepBudgetMs`);
   * without one, each timed evaluation has `limits.timeBudgetMs` of its own.
   */
  readonly account?: FeelTimeAccount;
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
export function checkExpression(
  expression: string,
  limits: FeelLimits = DEFAULT_FEEL_LIMITS,
): string | null {
  if (expression.trim() === '') return EMPTY;
  if (expression.length > limits.maxExpressionLength) return checkStaticLimits(expression, limits);
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
  return checkStaticLimits(expression, limits);
}

/** Evaluates an expression (without '=') and returns its result as JSON. */
export function evaluateExpression(
  expression: string,
  variables: Variables,
  options: EvalOptions,
): JsonValue {
  const limits = options.limits ?? DEFAULT_FEEL_LIMITS;
  return run(expression, variables, options, ({ value }) => {
    try {
      return toJsonValue(value, limits);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const over = reason.startsWith(TOO_LARGE) ? reason.slice(TOO_LARGE.length) : null;
      throw new FeelError(
        over === null
          ? `FEEL expression "${expression}" has a result that is not JSON: ${reason}`
          : `FEEL expression ${shown(expression)} has a result with ${over}`,
        expression,
      );
    }
  });
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
  return run(condition, variables, options, ({ value, warnings }) => {
    if (typeof value === 'boolean') return value;
    throw new FeelError(
      `condition "${condition}" evaluated to ${show(value)}, not a boolean${explain(warnings)}`,
      condition,
    );
  });
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
/** How toJsonValue's message starts when a result is over a limit. */
const TOO_LARGE = 'the result has ';

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

/**
 * Evaluates `expression` and hands the outcome to `finish` (which converts or checks it): a
 * bare variable name by lookup; an expression over the static limits not at all; one that can
 * take more than linear time, evaluation and `finish` together, under the time budget.
 */
function run<T>(
  expression: string,
  variables: Variables,
  options: EvalOptions,
  finish: (outcome: Outcome) => T,
): T {
  const name = expression.trim();
  if (SIMPLE_NAME.test(name) && !KEYWORDS.has(name) && Object.hasOwn(variables, name)) {
    const value = variables[name];
    if (value !== undefined) return finish({ value, warnings: [] });
  }
  const limits = options.limits ?? DEFAULT_FEEL_LIMITS;
  const over = checkStaticLimits(expression, limits);
  if (over !== null) {
    throw new FeelError(
      `FEEL expression ${shown(expression)} is over a limit: ${over}`,
      expression,
    );
  }
  if (!analyse(expression).guarded) return finish(remembered(expression, variables, options));
  const { account } = options;
  const left = account ? account.remainingMs : Infinity;
  if (left < 1) {
    throw new FeelError(
      `FEEL expression ${shown(expression)} was not evaluated: the step's FEEL time ` +
        `(${account!.budgetMs} ms for all its timed expressions) is spent`,
      expression,
    );
  }
  const budget = Math.min(limits.timeBudgetMs, Math.floor(left));
  try {
    const used = referenced(expression, variables);
    return withinBudget(() => finish(interpret(expression, used, options)), budget, account);
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    const which =
      budget < limits.timeBudgetMs ? "the rest of the step's FEEL time" : 'the FEEL time limit';
    throw new FeelError(
      `FEEL expression ${shown(expression)} ${error.message} (${which})`,
      expression,
    );
  }
}

/**
 * The variables an expression can read: those whose name occurs in its text, both spelled as
 * the FEEL grammar compares names (blank runs as one blank, blanks around `. / - ' + *` as
 * one: `normalized`). FEEL reads a variable only by writing its name (a path `a.b` reads `a`
 * whole), so the others cannot change the result — but feelin would convert every one of them
 * and the parser would index every name, on every evaluation (a start's expressions ran over
 * all its variables: most of the kick-off's time).
 */
function referenced(expression: string, variables: Variables): Variables {
  const text = normalized(expression);
  const used: Record<string, Variables[string]> = {};
  for (const name of Object.keys(variables)) {
    if (text.includes(normalized(name))) used[name] = variables[name];
  }
  return used;
}

const normalizedNames = new Map<string, string>();

/** A name or a text as lezer-feel's normalizeContextKey spells it. */
function normalized(text: string): string {
  let spelled = normalizedNames.get(text);
  if (spelled === undefined) {
    spelled = text
      .replace(/\s*([./\-'+]|\*\*?)\s*/g, ' $1 ')
      .replace(/\s{2,}/g, ' ')
      .trim();
    if (normalizedNames.size >= REMEMBERED_OUTCOMES) normalizedNames.clear();
    normalizedNames.set(text, spelled);
  }
  return spelled;
}

/** Outcomes of linear-time expressions by expression, clock and the variables they can read. */
const outcomes = new Map<string, Outcome>();
/** Entries kept at most (the map is emptied when full); keys longer than this are not kept. */
const REMEMBERED_OUTCOMES = 10_000;
const REMEMBERED_KEY_LENGTH = 2_000;
const CLOCK_WORDS = /\b(now|today)\b/;

/**
 * A linear-time expression's outcome: evaluated, or the same outcome again when the same
 * expression was evaluated with the same values of the variables it can read (and the same
 * zone and, if it names now() or today(), the same instant). FEEL is deterministic, and an
 * outcome is not changed by its users (each converts it afresh). The kick-off evaluates one
 * month's due times for every branch: one evaluation, then lookups.
 */
function remembered(expression: string, variables: Variables, options: EvalOptions): Outcome {
  const used = referenced(expression, variables);
  let key: string | null;
  try {
    const instant = CLOCK_WORDS.test(expression) ? options.now : '';
    key = `${options.zone}\u0000${instant}\u0000${expression}\u0000${JSON.stringify(used)}`;
  } catch {
    key = null;
  }
  if (key === null || key.length > REMEMBERED_KEY_LENGTH)
    return interpret(expression, used, options);
  const known = outcomes.get(key);
  if (known !== undefined) return known;
  const outcome = interpret(expression, used, options);
  if (outcomes.size >= REMEMBERED_OUTCOMES) outcomes.clear();
  outcomes.set(key, outcome);
  return outcome;
}

/** Evaluates with feelin; `variables`: those the expression names (see `referenced`). */
function interpret(expression: string, variables: Variables, options: EvalOptions): Outcome {
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

/** The expression quoted for a message, shortened when long. */
function shown(expression: string): string {
  return `"${expression.length > 200 ? `${expression.slice(0, 197)}...` : expression}"`;
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
