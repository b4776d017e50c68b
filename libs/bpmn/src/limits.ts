import type { CompileContext } from './compile-context.js';
import type { ModdleElement } from './parse.js';

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
