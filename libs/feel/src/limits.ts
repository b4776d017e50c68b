import vm from 'node:vm';
import { parseExpression } from 'feelin';

/**
 * What one FEEL evaluation may cost. feelin (8.2) interprets synchronously and exposes no hook
 * into its interpreter, so the budget is kept in three ways:
 *
 * - **Statically**, before anything runs (at lint, and again before each evaluation, cached per
 *   expression text): the text is at most `maxExpressionLength` characters, and the iterations
 *   that literal ranges promise are at most `maxListItems`. These "steps" are the one count that
 *   is deterministic: `for i in 1..n` with a literal `n` iterates n times, `for i in 1..a, j in
 *   1..b` a × b times, and a `for`/`some`/`every` nested in another multiplies by the outer
 *   iterations. Iterations over variables are not known before they run; time bounds them.
 * - **In time**: an expression that can take more than linear time in its inputs (iteration,
 *   user functions and recursion, filters with a computed predicate, context entries that use
 *   earlier entries, regular expressions, `string join`, `distinct values`, builtins not known
 *   to be cheap, more than {@link STRAIGHT_MAX_REFERENCES} variable references, anything that
 *   does not parse without its variables) runs under a watchdog: past `timeBudgetMs` of wall
 *   time V8 stops it, wherever it is, and the evaluation fails. The rest run straight: they are
 *   bounded by the size of their inputs (the api's body limits), and the watchdog (~0.5 ms per
 *   call, a thread of Node's) would be most of their cost.
 * - **In size**: a result has at most `maxListItems` list items and `maxTextLength` characters
 *   of text (strings and context keys), all its lists and strings together, and at most
 *   `maxDepth` levels of lists and contexts.
 *
 * Going over any of them is a FeelError naming the limit; the engine turns it into an incident
 * on the element.
 */
export interface FeelLimits {
  /** Longest expression text, in characters. */
  readonly maxExpressionLength: number;
  /** Wall time an expression that can iterate or recurse may run, in milliseconds. */
  readonly timeBudgetMs: number;
  /**
   * Wall time all such expressions of one account together may run (an engine step opens one
   * account: a loop re-evaluating an expression just under `timeBudgetMs` ends here).
   */
  readonly stepBudgetMs: number;
  /** Most list items in one result (all its lists together); most iterations of literal ranges. */
  readonly maxListItems: number;
  /** Most characters of text in one result (all its strings and keys together). */
  readonly maxTextLength: number;
  /** Deepest nesting of lists and contexts in one result. */
  readonly maxDepth: number;
}

export const DEFAULT_FEEL_LIMITS: FeelLimits = Object.freeze({
  maxExpressionLength: 4096,
  timeBudgetMs: 250,
  stepBudgetMs: 1_000,
  maxListItems: 10_000,
  maxTextLength: 1_000_000,
  maxDepth: 64,
});

/**
 * The time left to the guarded evaluations that share it (one engine step): each one runs with
 * at most what is left, and what it used is taken off. Only timed evaluations spend it.
 */
export class FeelTimeAccount {
  private spentMs = 0;

  constructor(readonly budgetMs: number) {}

  get remainingMs(): number {
    return this.budgetMs - this.spentMs;
  }

  spend(ms: number): void {
    this.spentMs += ms;
  }
}

/** Variable references above which an expression runs under the watchdog. */
export const STRAIGHT_MAX_REFERENCES = 8;

/** What the static analysis found about one expression text (cached). */
export interface Analysis {
  /** Whether it runs under the time budget. */
  readonly guarded: boolean;
  /** Iterations its literal ranges promise (0 when it iterates over none). */
  readonly iterations: number;
}

/**
 * Null when `expression` keeps to the static limits (its length, the iterations of its literal
 * ranges), else one line naming the limit. Syntax is not checked here.
 */
export function checkStaticLimits(expression: string, limits: FeelLimits): string | null {
  if (expression.length > limits.maxExpressionLength) {
    return `the expression is ${expression.length} characters long, more than the limit of ${limits.maxExpressionLength}`;
  }
  const { iterations } = analyse(expression);
  if (iterations > limits.maxListItems) {
    return `its literal ranges make ${iterations.toLocaleString('en')} iterations, more than the limit of ${limits.maxListItems.toLocaleString('en')}`;
  }
  return null;
}

// ------------------------------------------------------------------ static analysis

const CACHE_SIZE = 5000;
const cache = new Map<string, Analysis>();

/** The analysis of an expression text, from the cache when it was seen before. */
export function analyse(expression: string): Analysis {
  let analysis = cache.get(expression);
  if (analysis === undefined) {
    analysis = analyseTree(expression);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(expression, analysis);
  }
  return analysis;
}

/** Node types that cost at most linear time in their inputs (punctuation included). */
const STRAIGHT = new Set([
  'Expression',
  'ParenthesizedExpression',
  'Comparison',
  'CompareOp',
  'ArithmeticExpression',
  'ArithOp',
  'Disjunction',
  'Conjunction',
  'IfExpression',
  'InstanceOfExpression',
  'Type',
  'QualifiedName',
  'ListType',
  'ContextType',
  'ContextEntryType',
  'FunctionType',
  'ArgumentTypes',
  'VariableName',
  'Identifier',
  'Name',
  'PathExpression',
  'PathName',
  'FilterExpression',
  'FunctionInvocation',
  'PositionalParameters',
  'NamedParameters',
  'NamedParameter',
  'ParameterName',
  'Context',
  'ContextEntry',
  'Key',
  'List',
  'NumericLiteral',
  'StringLiteral',
  'BooleanLiteral',
  'DateTimeLiteral',
  'DateTimeConstructor',
  'AtLiteral',
  'PositiveUnaryTest',
  'PositiveUnaryTests',
  'SimplePositiveUnaryTest',
  'Interval',
  'null',
  'if',
  'then',
  'else',
  'and',
  'or',
  'between',
  'in',
  'instance',
  'of',
  'date',
  'time',
  'duration',
  'date and time',
  'list',
  'context',
  'function',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '.',
  '..',
  '<',
  '>',
]);

/** Builtins that take at most linear time in their arguments, and whose result is no larger. */
const STRAIGHT_FUNCTIONS = new Set([
  'not',
  'number',
  'string',
  'boolean',
  'date',
  'time',
  'date and time',
  'duration',
  'years and months duration',
  'days and time duration',
  'substring',
  'string length',
  'upper case',
  'lower case',
  'substring before',
  'substring after',
  'contains',
  'starts with',
  'ends with',
  'list contains',
  'count',
  'min',
  'max',
  'sum',
  'mean',
  'all',
  'any',
  'sublist',
  'append',
  'concatenate',
  'insert before',
  'remove',
  'reverse',
  'index of',
  'flatten',
  'product',
  'median',
  'stddev',
  'decimal',
  'floor',
  'ceiling',
  'abs',
  'round up',
  'round down',
  'round half up',
  'round half down',
  'modulo',
  'sqrt',
  'log',
  'exp',
  'odd',
  'even',
  'is',
  'before',
  'after',
  'meets',
  'met by',
  'overlaps',
  'overlaps before',
  'overlaps after',
  'finishes',
  'finished by',
  'includes',
  'during',
  'starts',
  'started by',
  'coincides',
  'day of year',
  'day of week',
  'month of year',
  'week of year',
  'get value',
  'get entries',
  'context put',
  'context merge',
  'now',
  'today',
]);

/** A filter predicate of these alone is an index (`xs[1]`, `xs[-1]`, `xs[i]`): constant time. */
const INDEX_PREDICATE = new Set([
  'NumericLiteral',
  'ArithOp',
  'ArithmeticExpression',
  'VariableName',
  'Identifier',
]);

const ITERATIONS_CAP = Number.MAX_SAFE_INTEGER;

interface TreeNode {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly type: { readonly isError: boolean };
  readonly firstChild: TreeNode | null;
  readonly nextSibling: TreeNode | null;
}

function children(node: TreeNode): TreeNode[] {
  const list: TreeNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
}

function analyseTree(expression: string): Analysis {
  const top = parseExpression(expression, {}, undefined).topNode as unknown as TreeNode;
  const text = (node: TreeNode) => expression.slice(node.from, node.to).replace(/\s+/g, ' ');
  let guarded = false;
  let references = 0;
  let iterations = 0;

  const visit = (node: TreeNode, outer: number, keys: ReadonlySet<string>): void => {
    if (node.type.isError || !STRAIGHT.has(node.name)) guarded = true;
    switch (node.name) {
      case 'ForExpression':
      case 'QuantifiedExpression':
        visitIteration(node, outer, keys);
        return;
      case 'VariableName':
        references += 1;
        if (keys.has(text(node))) guarded = true; // a context entry using an earlier one
        break;
      case 'FunctionInvocation': {
        const callee = node.firstChild;
        if (callee?.name !== 'VariableName' || !STRAIGHT_FUNCTIONS.has(text(callee))) {
          guarded = true;
        }
        break;
      }
      case 'FilterExpression': {
        const predicate = children(node).slice(1);
        if (!predicate.every((part) => isIndex(part))) guarded = true;
        break;
      }
      case 'Context': {
        // an entry sees the entries before it: those references can double a value per entry
        const earlier = new Set(keys);
        for (const entry of children(node)) {
          visit(entry, outer, new Set(earlier));
          const key = entry.name === 'ContextEntry' ? entry.firstChild : null;
          if (key) earlier.add(text(key).replace(/^"(.*)"$/, '$1'));
        }
        return;
      }
    }
    for (const child of children(node)) visit(child, outer, keys);
  };

  // for / some / every: their literal ranges multiply the iterations of what they contain
  const visitIteration = (node: TreeNode, outer: number, keys: ReadonlySet<string>): void => {
    let product = outer;
    for (const part of children(node)) {
      if (part.name !== 'InExpressions') continue;
      for (const inExpression of children(part)) {
        const context = children(inExpression).find((c) => c.name === 'IterationContext');
        const size = context ? literalSize(context) : null;
        if (size !== null) product = Math.min(ITERATIONS_CAP, product * size);
      }
    }
    iterations = Math.max(iterations, product);
    for (const child of children(node)) visit(child, product, keys);
  };

  const isIndex = (node: TreeNode): boolean =>
    ['[', ']'].includes(node.name) ||
    (INDEX_PREDICATE.has(node.name) && children(node).every((child) => isIndex(child)));

  /** The number of items of `a..b` / `[a..b]` with literal bounds, of a literal list, or null. */
  const literalSize = (context: TreeNode): number | null => {
    let parts = children(context);
    if (parts.length === 1 && parts[0].name === 'SimplePositiveUnaryTest') {
      parts = children(parts[0]);
    }
    if (parts.length === 1 && parts[0].name === 'Interval') {
      parts = children(parts[0]).filter((p) => !'[]()'.includes(p.name));
    }
    if (parts.length === 1 && parts[0].name === 'List') {
      return children(parts[0]).filter((p) => p.name !== '[' && p.name !== ']').length;
    }
    const [from, dots, to] = parts;
    if (parts.length !== 3 || dots.name !== '..') return null;
    const a = numeric(from);
    const b = numeric(to);
    if (a === null || b === null) return null;
    return Math.min(ITERATIONS_CAP, Math.floor(Math.abs(b - a)) + 1);
  };

  const numeric = (node: TreeNode): number | null => {
    const value = Number(text(node).replace(/\s/g, ''));
    return (node.name === 'NumericLiteral' || node.name === 'ArithmeticExpression') &&
      Number.isFinite(value)
      ? value
      : null;
  };

  visit(top, 1, new Set());
  if (references > STRAIGHT_MAX_REFERENCES) guarded = true;
  return Object.freeze({ guarded, iterations });
}

// ------------------------------------------------------------------ the time budget

/** Thrown by {@link withinBudget} when the job ran out of time. */
export class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`ran longer than the time budget of ${budgetMs} ms`);
    this.name = 'BudgetExceeded';
  }
}

const sandbox: { job: (() => unknown) | null } = { job: null };
let context: vm.Context | null = null;
let script: vm.Script | null = null;
let running = false;

/**
 * Runs `job` and returns its result; when it runs longer than `budgetMs`, V8 interrupts it
 * wherever it is (node's vm watchdog) and BudgetExceeded is thrown. The job's own exceptions
 * pass through. Nested calls run under the outermost budget.
 */
export function withinBudget<T>(job: () => T, budgetMs: number, account?: FeelTimeAccount): T {
  if (running) return job();
  // the watchdog's own clock; elapsed time is measured only to charge the shared account
  const started = account ? performance.now() : 0;
  try {
    return runGuarded(job, budgetMs);
  } finally {
    if (account) account.spend(performance.now() - started);
  }
}

function runGuarded<T>(job: () => T, budgetMs: number): T {
  context ??= vm.createContext(sandbox);
  script ??= new vm.Script('job()', { filename: 'feel-budget' });
  sandbox.job = job;
  running = true;
  try {
    return script.runInContext(context, {
      timeout: Math.max(1, Math.floor(budgetMs)),
      displayErrors: false,
    }) as T;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new BudgetExceeded(budgetMs);
    }
    throw error;
  } finally {
    sandbox.job = null;
    running = false;
  }
}
