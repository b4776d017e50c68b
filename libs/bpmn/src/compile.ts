import { stripExpressionMarker } from '@app/feel';
import { callCycleProblems, staticCalls } from './call-graph.js';
import { CompileContext, type ExpressionLimits } from './compile-context.js';
import { ELEMENT_TYPES, IGNORED_TYPES, SUPPORTED_TYPES_TEXT } from './element-types.js';
import {
  type CompiledDefinitions,
  type FlowNode,
  type ProcessGraph,
  type SequenceFlow,
  isActivity,
} from './model.js';
import { checkAttributes, checkProcess, namespacesOf } from './extensions.js';
import {
  DEFAULT_TEMPLATE_LIMITS,
  type TemplateLimits,
  checkLimits,
  precheckXml,
} from './limits.js';
import { type ModdleElement, parseBpmnXml } from './parse.js';
import { type BpmnProblem, BpmnValidationError, problem } from './problems.js';
import { unknownServiceTaskTypes } from './service-task-types.js';

/**
 * The size limits of a template, and what its FEEL and timers may ask for; with
 * `serviceTaskTypes`, a service task of a static type not in it is a problem.
 */
export type LintOptions = Partial<TemplateLimits> &
  ExpressionLimits & { readonly serviceTaskTypes?: ReadonlySet<string> };

export interface LintResult {
  readonly problems: readonly BpmnProblem[];
  /** The compiled processes, when there are no problems. */
  readonly definitions: CompiledDefinitions | null;
}

/**
 * Parses, validates and compiles; reports every problem at once (up to `maxProblems`, then
 * how many more) and never throws. Time and memory grow linearly with the document; a
 * document over a size limit gets one problem naming the limit and is not compiled.
 */
export async function lintBpmn(xml: string, options: LintOptions = {}): Promise<LintResult> {
  const limits: TemplateLimits = { ...DEFAULT_TEMPLATE_LIMITS, ...options };
  const over = precheckXml(xml, limits);
  if (over) return { problems: [over], definitions: null };
  const parsed = await parseBpmnXml(xml);
  if (!parsed.definitions) return { problems: parsed.problems, definitions: null };
  const ctx = new CompileContext(parsed.unresolved, options);
  ctx.problems.push(...parsed.problems);
  const definitions = compileDefinitions(parsed.definitions, ctx, limits);
  if (options.serviceTaskTypes) {
    ctx.problems.push(...unknownServiceTaskTypes(definitions.processes, options.serviceTaskTypes));
  }
  const problems = capped(dedupe(ctx.problems), limits.maxProblems);
  return { problems, definitions: problems.length === 0 ? definitions : null };
}

/** Parses and compiles BPMN XML; throws {@link BpmnValidationError} listing every problem. */
export async function compileBpmn(
  xml: string,
  options: LintOptions = {},
): Promise<CompiledDefinitions> {
  const { problems, definitions } = await lintBpmn(xml, options);
  if (!definitions) throw new BpmnValidationError(problems);
  return definitions;
}

function compileDefinitions(
  definitions: ModdleElement,
  ctx: CompileContext,
  limits: TemplateLimits,
): CompiledDefinitions {
  const roots = Array.isArray(definitions.rootElements)
    ? (definitions.rootElements as ModdleElement[])
    : [];
  const executable = roots.filter(
    (root) => root.$type === 'bpmn:Process' && root.isExecutable === true,
  );
  const processes: Record<string, ProcessGraph> = {};
  if (!checkLimits(executable, limits, ctx)) return { id: definitions.id ?? null, processes };
  const namespaces = namespacesOf(definitions);
  checkAttributes(definitions, namespaces, ctx);
  for (const root of executable) {
    const graph = new ProcessCompiler(root, ctx, namespaces).compile();
    processes[graph.id] = graph;
  }
  const graphs = Object.values(processes);
  ctx.problems.push(...callCycleProblems(graphs.flatMap(staticCalls), Object.keys(processes)));
  if (executable.length === 0) {
    ctx.report(
      definitions,
      'the document has no executable process (a bpmn:process with isExecutable="true")',
    );
  }
  return deepFreeze({ id: definitions.id ?? null, processes });
}

interface Scope {
  readonly element: ModdleElement;
  readonly nodes: string[];
}

class ProcessCompiler {
  private readonly nodes: Record<string, FlowNode> = {};
  private readonly flows: Record<string, SequenceFlow> = {};
  private readonly flowElements = new Map<string, ModdleElement>();
  private readonly scopes = new Map<string, Scope>();

  constructor(
    private readonly process: ModdleElement,
    private readonly ctx: CompileContext,
    private readonly namespaces: ReadonlyMap<string, string>,
  ) {}

  compile(): ProcessGraph {
    const id = this.process.id ?? '-';
    checkProcess(this.process, this.namespaces, this.ctx);
    this.walk(this.process, id);
    this.checkFlows();
    const reported = new Set(this.ctx.problems.map((p) => p.elementId));
    for (const node of Object.values(this.nodes)) this.checkNode(node, reported);
    for (const [scopeId, scope] of this.scopes) this.checkStartEvents(scopeId, scope);
    const processScope = this.scopes.get(id)?.nodes ?? [];
    const starts = processScope
      .map((nodeId) => this.nodes[nodeId])
      .filter((node) => node?.kind === 'startEvent');
    return {
      id,
      name: this.ctx.attr(this.process, 'name'),
      ref: id,
      nodes: this.nodes,
      flows: this.flows,
      noneStartEvent: starts.find((node) => !node.timer)?.id ?? null,
      timerStartEvents: starts.filter((node) => node.timer).map((node) => node.id),
      inclusiveJoinReach: this.inclusiveJoinReach(),
    };
  }

  /** Compiles the flow elements of a process or sub-process, depth first. */
  private walk(container: ModdleElement, scopeId: string): void {
    const elements = flowElementsOf(container);
    const scope: Scope = { element: container, nodes: [] };
    this.scopes.set(scopeId, scope);
    const flows = elements.filter((element) => element.$type === 'bpmn:SequenceFlow');
    // Each element's flows, indexed once (in document order) rather than scanned per element.
    const incoming = new Map<string, string[]>();
    const outgoing = new Map<string, string[]>();
    for (const flow of flows) {
      if (!flow.id) continue;
      this.flowElements.set(flow.id, flow);
      for (const [end, index] of [
        ['targetRef', incoming],
        ['sourceRef', outgoing],
      ] as const) {
        const id = (flow[end] as ModdleElement | undefined)?.id;
        if (id !== undefined) append(index, id, flow.id);
      }
    }
    const boundaries = new Map<string, string[]>();
    for (const element of elements) {
      const host = (element.attachedToRef as ModdleElement | undefined)?.id;
      if (element.$type === 'bpmn:BoundaryEvent' && host && element.id) {
        append(boundaries, host, element.id);
      }
    }
    for (const element of elements) {
      if (element.$type === 'bpmn:SequenceFlow' || IGNORED_TYPES.has(element.$type)) continue;
      const compile = ELEMENT_TYPES[element.$type];
      if (!compile) {
        this.ctx.report(
          element,
          `${element.$type} is not supported (supported: ${SUPPORTED_TYPES_TEXT})`,
        );
        continue;
      }
      if (!element.id) {
        const name = this.ctx.attr(element, 'name');
        this.ctx.report(
          element,
          `element ${name === null ? '' : `'${name}' `}in '${scopeId}' has no id`,
        );
        continue;
      }
      const documentation = Array.isArray(element.documentation)
        ? (element.documentation as ModdleElement[])
            .map((doc) => (typeof doc.text === 'string' ? doc.text.trim() : ''))
            .filter((text) => text !== '')
            .join('\n')
        : '';
      const node = compile(
        element,
        {
          id: element.id,
          bpmnType: element.$type,
          name: this.ctx.attr(element, 'name'),
          documentation: documentation === '' ? null : documentation,
          scope: scopeId,
          incoming: incoming.get(element.id) ?? [],
          outgoing: outgoing.get(element.id) ?? [],
          boundaryEvents: boundaries.get(element.id) ?? [],
        },
        this.ctx,
      );
      if (!node) continue;
      this.nodes[node.id] = node;
      scope.nodes.push(node.id);
      if (node.kind === 'subProcess') {
        this.walk(element, node.id);
        const start = this.scopes
          .get(node.id)
          ?.nodes.map((childId) => this.nodes[childId])
          .find((child) => child?.kind === 'startEvent' && !child.timer);
        this.nodes[node.id] = { ...node, startEvent: start?.id ?? '' };
      }
    }
  }

  private checkFlows(): void {
    for (const [id, element] of this.flowElements) {
      const source = (element.sourceRef as ModdleElement | undefined)?.id;
      const target = (element.targetRef as ModdleElement | undefined)?.id;
      if (!source || !target) {
        const property = source ? 'bpmn:targetRef' : 'bpmn:sourceRef';
        if (this.ctx.isUnresolved(element, property)) continue; // moddle named the bad reference
        this.ctx.report(
          element,
          `sequence flow has no ${source ? 'target' : 'source'} (sequence flow to nowhere)`,
        );
        continue;
      }
      const from = this.nodes[source];
      const to = this.nodes[target];
      // A refused element was reported; a flow into one still has its condition checked.
      if (!from) continue;
      if (to && from.scope !== to.scope) {
        this.ctx.report(
          element,
          `sequence flow from '${source}' to '${target}' crosses a sub-process boundary`,
        );
      }
      const body = (element.conditionExpression as ModdleElement | undefined)?.body;
      let condition =
        typeof body === 'string' && body.trim() !== ''
          ? stripExpressionMarker(body.trim()).trim()
          : null;
      const isDefault =
        (from.kind === 'exclusiveGateway' || from.kind === 'inclusiveGateway') &&
        from.defaultFlow === id;
      if (condition !== null && isDefault) condition = null;
      if (condition !== null) {
        if (from.kind === 'exclusiveGateway' || from.kind === 'inclusiveGateway') {
          this.ctx.feel(element, 'condition', condition);
        } else {
          this.ctx.report(
            element,
            `a condition on a flow leaving ${from.bpmnType} '${source}' is not supported (only exclusive and inclusive gateways evaluate conditions)`,
          );
        }
      }
      this.flows[id] = {
        id,
        name: this.ctx.attr(element, 'name'),
        source,
        target,
        condition,
      };
    }
  }

  /** `reported`: ids of the elements with a problem so far (a refused host, for one). */
  private checkNode(node: FlowNode, reported: ReadonlySet<string>): void {
    const report = (message: string) =>
      this.ctx.problems.push(problem(node.id, node.bpmnType, message));
    if (node.kind === 'startEvent' || node.kind === 'boundaryEvent') {
      if (node.incoming.length > 0)
        report(
          `${node.kind === 'startEvent' ? 'a start' : 'a boundary'} event must not have incoming sequence flows`,
        );
    } else if (node.incoming.length === 0) {
      report('has no incoming sequence flow, so it can never be reached');
    }
    switch (node.kind) {
      case 'endEvent':
        if (node.outgoing.length > 0) report('an end event must not have outgoing sequence flows');
        break;
      case 'boundaryEvent': {
        const host = this.nodes[node.attachedTo];
        // An activity that was refused (and reported) is not compiled: nothing more to say.
        const refused = !host && reported.has(node.attachedTo);
        if (!host || !isActivity(host)) {
          if (!refused) report(`is attached to '${node.attachedTo}', which is not an activity`);
        } else if (host.scope !== node.scope) {
          report(`is attached to '${node.attachedTo}' in another scope`);
        }
        if (node.outgoing.length === 0) report('a boundary event needs an outgoing sequence flow');
        break;
      }
      case 'exclusiveGateway':
      case 'inclusiveGateway':
      case 'parallelGateway':
        this.checkGateway(node, report);
        break;
      case 'subProcess':
        break;
      case 'startEvent':
      case 'intermediateThrowEvent':
      case 'intermediateCatchEvent':
      case 'userTask':
      case 'serviceTask':
      case 'task':
      case 'callActivity':
        break;
    }
  }

  private checkGateway(
    node: Extract<FlowNode, { kind: 'exclusiveGateway' | 'inclusiveGateway' | 'parallelGateway' }>,
    report: (message: string) => void,
  ): void {
    if (node.outgoing.length === 0) {
      report('gateway has no outgoing sequence flow');
      return;
    }
    // A condition on a flow leaving a parallel gateway was reported with the flow.
    if (node.kind === 'parallelGateway') return;
    if (node.defaultFlow !== null && !node.outgoing.includes(node.defaultFlow)) {
      report(`default flow '${node.defaultFlow}' is not an outgoing flow of this gateway`);
    }
    if (node.outgoing.length > 1) {
      for (const flowId of node.outgoing) {
        if (flowId !== node.defaultFlow && !this.flows[flowId]?.condition) {
          this.report(
            flowId,
            `sequence flow leaving ${node.bpmnType} '${node.id}' needs a condition or must be the gateway's default flow`,
          );
        }
      }
    }
  }

  private report(flowId: string, message: string): void {
    const element = this.flowElements.get(flowId);
    if (element) this.ctx.report(element, message);
  }

  private checkStartEvents(scopeId: string, scope: Scope): void {
    const starts = scope.nodes
      .map((id) => this.nodes[id])
      .filter((node) => node?.kind === 'startEvent');
    const noneStarts = starts.filter((node) => !node.timer);
    const refused = flowElementsOf(scope.element).some(
      (element) => element.$type === 'bpmn:StartEvent' && !(element.id && this.nodes[element.id]),
    );
    if (scopeId === (this.process.id ?? '-')) {
      if (starts.length === 0 && !refused) {
        this.ctx.report(scope.element, 'the process has no start event');
      }
      for (const extra of noneStarts.slice(1)) {
        this.ctx.problems.push(
          problem(extra.id, extra.bpmnType, 'a process may have only one none start event'),
        );
      }
      return;
    }
    if ((noneStarts.length !== 1 || starts.length !== 1) && !refused) {
      this.ctx.report(
        scope.element,
        `a sub-process needs exactly one none start event (found ${starts.length} start event${starts.length === 1 ? '' : 's'}${starts.length > noneStarts.length ? ', with a timer' : ''})`,
      );
    }
  }

  /**
   * For every converging inclusive gateway: which of its incoming flows a token at each node
   * of the same scope can still reach, following sequence flows and boundary events, without
   * passing through the gateway itself. Searched backwards from each incoming flow (one
   * search per flow, not one per node and gateway).
   */
  private inclusiveJoinReach(): Record<string, Record<string, string[]>> {
    const result: Record<string, Record<string, string[]>> = {};
    for (const gateway of Object.values(this.nodes)) {
      if (gateway.kind !== 'inclusiveGateway' || gateway.incoming.length < 2) continue;
      const scope = this.scopes.get(gateway.scope)?.nodes ?? [];
      const table: Record<string, string[]> = {};
      for (const nodeId of scope) if (nodeId !== gateway.id) table[nodeId] = [];
      for (const flowId of gateway.incoming) {
        const source = this.flows[flowId]?.source;
        if (source === undefined || source === gateway.id) continue;
        for (const nodeId of this.reachingBack(source, gateway.id)) table[nodeId]?.push(flowId);
      }
      result[gateway.id] = table;
    }
    return result;
  }

  /**
   * The nodes from which `target` can be reached without passing through `avoid`: `target`
   * itself, the sources of flows into a reached node, and the host of a boundary event whose
   * flow leads there (a token at the host may leave through the boundary event).
   */
  private reachingBack(target: string, avoid: string): Set<string> {
    const seen = new Set<string>();
    const stack: string[] = [];
    const visit = (nodeId: string) => {
      if (nodeId === avoid || seen.has(nodeId)) return;
      seen.add(nodeId);
      stack.push(nodeId);
      const node = this.nodes[nodeId];
      if (node?.kind === 'boundaryEvent') visit(node.attachedTo);
    };
    visit(target);
    while (stack.length > 0) {
      const node = this.nodes[stack.pop() as string];
      for (const flowId of node?.incoming ?? []) {
        const source = this.flows[flowId]?.source;
        if (source !== undefined) visit(source);
      }
    }
    return seen;
  }
}

function flowElementsOf(container: ModdleElement): ModdleElement[] {
  return Array.isArray(container.flowElements) ? (container.flowElements as ModdleElement[]) : [];
}

function append(index: Map<string, string[]>, key: string, value: string): void {
  const list = index.get(key);
  if (list) list.push(value);
  else index.set(key, [value]);
}

/** At most `max` problems, then one that says how many more there are. */
function capped(problems: BpmnProblem[], max: number): BpmnProblem[] {
  if (problems.length <= max) return problems;
  return [
    ...problems.slice(0, max),
    problem(
      '-',
      'bpmn:Definitions',
      `${problems.length - max} more problems are not listed (the first ${max} are)`,
    ),
  ];
}

function dedupe(problems: readonly BpmnProblem[]): BpmnProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.elementId}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
