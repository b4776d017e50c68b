import type { CompileContext } from './compile-context.js';
import type { ModdleElement } from './parse.js';
import { type BpmnProblem, problem } from './problems.js';

/** How big a document the compiler takes; beyond them it reports one problem and stops. */
export interface TemplateLimits {
  /** Flow elements (activities, events, gateways, sequence flows) of all processes together. */
  readonly maxElements: number;
  /** Sub-processes inside sub-processes: a process's own elements are at depth 0. */
  readonly maxDepth: number;
  /** Problems reported at most; the rest are counted in one last problem. */
  readonly maxProblems: number;
}

/** The defaults of TEMPLATE_MAX_ELEMENTS and TEMPLATE_MAX_DEPTH (real templates hold < 200). */
export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = {
  maxElements: 10_000,
  maxDepth: 32,
  maxProblems: 200,
};

/**
 * Counts the flow elements of the executable processes and how deep their sub-processes nest,
 * without recursion (a document may nest 20,000 deep); reports what is over a limit. True when
 * the document is within the limits and may be compiled.
 */
export function checkLimits(
  processes: readonly ModdleElement[],
  limits: TemplateLimits,
  ctx: CompileContext,
): boolean {
  let elements = 0;
  let tooDeep: ModdleElement | null = null;
  const stack: { container: ModdleElement; depth: number }[] = processes.map((container) => ({
    container,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { container, depth } = stack.pop() as { container: ModdleElement; depth: number };
    const children = container.flowElements;
    if (!Array.isArray(children)) continue;
    elements += children.length;
    for (const child of children as ModdleElement[]) {
      if (child.$type !== 'bpmn:SubProcess') continue;
      if (depth + 1 > limits.maxDepth) {
        tooDeep ??= child;
        continue;
      }
      stack.push({ container: child, depth: depth + 1 });
    }
  }
  if (tooDeep) {
    ctx.report(
      tooDeep,
      `sub-processes nest deeper than ${limits.maxDepth} levels (the limit, TEMPLATE_MAX_DEPTH): this one is at level ${limits.maxDepth + 1}`,
    );
  }
  if (elements > limits.maxElements) {
    ctx.report(
      processes[0],
      `the document has ${tooDeep ? 'at least ' : ''}${elements} flow elements; at most ${limits.maxElements} are allowed (the limit, TEMPLATE_MAX_ELEMENTS)`,
    );
  }
  return !tooDeep && elements <= limits.maxElements;
}

/** XML elements allowed per flow element before parsing (tasks with extensions, flow refs). */
const TAGS_PER_ELEMENT = 6;
/** XML levels around and inside sub-processes (definitions, process, extensions, mappings). */
const EXTRA_LEVELS = 16;
/** Diagram interchange: drawn, never executed, not counted. */
const DIAGRAM_PREFIXES: ReadonlySet<string> = new Set(['bpmndi', 'dc', 'di']);

/**
 * A look at the raw text before it is parsed, linear and without building anything: a document
 * far over the limits (tens of thousands of tasks, thousands of nested sub-processes) is
 * refused here in milliseconds instead of after seconds of parsing that hold up the process.
 * Counts start tags outside the diagram and how deep they nest; null when within.
 */
export function precheckXml(xml: string, limits: TemplateLimits): BpmnProblem | null {
  const maxTags = limits.maxElements * TAGS_PER_ELEMENT;
  const maxLevels = limits.maxDepth + EXTRA_LEVELS;
  let tags = 0;
  let depth = 0;
  let at = xml.indexOf('<');
  while (at >= 0) {
    const next = xml.charCodeAt(at + 1);
    if (next === 47 /* / */) {
      depth--;
      at = xml.indexOf('<', at + 2);
      continue;
    }
    if (next === 33 /* ! */ || next === 63 /* ? */) {
      const close = xml.startsWith('<!--', at)
        ? xml.indexOf('-->', at)
        : xml.startsWith('<![CDATA[', at)
          ? xml.indexOf(']]>', at)
          : xml.indexOf('>', at);
      if (close < 0) return null; // malformed: the parser says where
      at = xml.indexOf('<', close);
      continue;
    }
    let end = at + 1;
    let quote = 0;
    for (; end < xml.length; end++) {
      const c = xml.charCodeAt(end);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) {
        quote = c;
      } else if (c === 62 /* > */) {
        break;
      }
    }
    const colon = xml.indexOf(':', at);
    const prefix = colon > at && colon < end ? xml.slice(at + 1, colon) : '';
    if (!DIAGRAM_PREFIXES.has(prefix)) tags++;
    if (xml.charCodeAt(end - 1) !== 47 /* / */) depth++;
    if (depth > maxLevels) {
      const tag = /^<[^\s/>]+(?:[^>]*?\sid\s*=\s*["'][^"']*["'])?/.exec(xml.slice(at, end))?.[0];
      return problem(
        '-',
        'bpmn:Definitions',
        `elements nest more than ${maxLevels} levels deep (at ${tag ?? 'an element'}>): sub-processes may nest ${limits.maxDepth} deep (the limit, TEMPLATE_MAX_DEPTH)`,
      );
    }
    if (tags > maxTags) {
      return problem(
        '-',
        'bpmn:Definitions',
        `the document has more than ${maxTags} XML elements outside the diagram, far more than ${limits.maxElements} flow elements (the limit, TEMPLATE_MAX_ELEMENTS)`,
      );
    }
    at = xml.indexOf('<', end);
  }
  return null;
}
