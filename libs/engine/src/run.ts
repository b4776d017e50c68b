import {
  type ActivityNode,
  type FlowNode,
  type ProcessGraph,
  type TimerDefinition,
  isActivity,
} from '@app/bpmn';
import {
  DEFAULT_FEEL_LIMITS,
  type EvalOptions,
  FeelError,
  FeelTimeAccount,
  type JsonValue,
  evaluateAttribute,
  evaluateCondition,
  isExpression,
  stripExpressionMarker,
  evaluateExpression,
} from '@app/feel';
import {
  TimeExpressionError,
  addDuration,
  checkCycleLimits,
  cycleDueAt,
  parseCycle,
  parseDateTime,
  parseDuration,
} from '@app/time';
import { BEHAVIOURS, multiInstanceBody } from './behaviours/index.js';
import { DEFAULT_STEP_MAX_ACTIVATIONS, type EngineContext, contextZone } from './context.js';
import type { Effect } from './effects.js';
import { EngineException, EngineExceptionCode, IncidentError } from './errors.js';
import type {
  ElementInstance,
  Incident,
  IncidentRetry,
  InstanceState,
  InstanceStatus,
  Task,
  Timer,
  TimerPurpose,
  Variables,
} from './state.js';

type Work =
  | {
      readonly op: 'activate';
      readonly elementId: string;
      readonly parentKey: string;
      readonly processRef: string;
      readonly local?: Variables;
      readonly loopCounter?: number;
    }
  | { readonly op: 'checkScope'; readonly key: string };

type JoinTable = Record<string, Record<string, Record<string, number>>>;

export interface CompleteOptions {
  /** Variables the element completes with (task completion, a called process's result). */
  readonly variables?: Variables;
  /** Keep the variables on the element only (call activity with propagation switched off). */
  readonly localOnly?: boolean;
  /** The outgoing flows to take; default all of the element's outgoing flows. */
  readonly flows?: readonly string[];
}

/**
 * One step of one instance in the making: a draft of the state (copied on write, so the input
 * state is never changed), the effects so far, and a FIFO of pending activations, processed
 * in order like a command log (so parallel branches interleave breadth first).
 */
export class Run {
  readonly effects: Effect[] = [];
  readonly zone: string;
  private readonly feel: EvalOptions;
  private readonly queue: Work[] = [];
  /** Position of the next work item in `queue` while draining. */
  private head = 0;
  /** Elements activated in this step, against the context's stepMaxActivations. */
  private activations = 0;
  elements: Record<string, ElementInstance>;
  variables: Record<string, Variables>;
  tasks: Record<string, Task>;
  timers: Record<string, Timer>;
  incidents: Record<string, Incident>;
  joins: JoinTable;
  seq: number;
  status: InstanceStatus;
  endedAt: number | null;

  constructor(
    readonly ctx: EngineContext,
    private readonly base: InstanceState,
    readonly now: number,
  ) {
    this.zone = contextZone(ctx);
    const limits = ctx.feelLimits ?? DEFAULT_FEEL_LIMITS;
    // one FEEL time account per step: its timed expressions share limits.stepBudgetMs
    this.feel = { now, zone: this.zone, limits, account: new FeelTimeAccount(limits.stepBudgetMs) };
    this.elements = { ...base.elements };
    this.variables = { ...base.variables };
    this.tasks = { ...base.tasks };
    this.timers = { ...base.timers };
    this.incidents = { ...base.incidents };
    this.joins = { ...base.joins };
    this.seq = base.seq;
    this.status = base.status;
    this.endedAt = base.endedAt;
  }

  get rootKey(): string {
    return this.base.rootKey;
  }

  snapshot(): InstanceState {
    return {
      ...this.base,
      seq: this.seq,
      status: this.status,
      endedAt: this.endedAt,
      elements: this.elements,
      variables: this.variables,
      tasks: this.tasks,
      timers: this.timers,
      incidents: this.incidents,
      joins: this.joins,
    };
  }

  nextKey(): string {
    this.seq += 1;
    return String(this.seq);
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  // ---------------------------------------------------------------- graphs and lookups

  graph(processRef: string): ProcessGraph {
    const graph = this.ctx.processes.byRef(processRef);
    if (!graph) {
      throw new EngineException(
        EngineExceptionCode.PROCESS_NOT_FOUND,
        `process '${processRef}' is not deployed`,
      );
    }
    return graph;
  }

  node(instance: ElementInstance): FlowNode {
    const node = this.graph(instance.processRef).nodes[instance.elementId];
    if (!node)
      throw new Error(`element '${instance.elementId}' is not in '${instance.processRef}'`);
    return node;
  }

  element(key: string): ElementInstance | undefined {
    return this.elements[key];
  }

  children(key: string): ElementInstance[] {
    return Object.values(this.elements).filter((element) => element.parentKey === key);
  }

  private hasChildren(key: string): boolean {
    for (const element of Object.values(this.elements)) if (element.parentKey === key) return true;
    return false;
  }

  // ---------------------------------------------------------------- work queue

  enqueueActivate(
    elementId: string,
    parentKey: string,
    processRef: string,
    inner?: { local: Variables; loopCounter: number },
  ): void {
    this.queue.push({
      op: 'activate',
      elementId,
      parentKey,
      processRef,
      local: inner?.local,
      loopCounter: inner?.loopCounter,
    });
  }

  enqueueCheckScope(key: string): void {
    this.queue.push({ op: 'checkScope', key });
  }

  /** Processes queued work until nothing is left, settling inclusive joins last. */
  drain(): void {
    for (;;) {
      while (this.head < this.queue.length) {
        const work = this.queue[this.head++];
        if (work.op === 'activate') this.activate(work);
        else this.checkScope(work.key);
      }
      this.queue.length = 0;
      this.head = 0;
      if (!this.settleInclusiveJoins()) return;
    }
  }

  // ---------------------------------------------------------------- activation

  private activate(work: Extract<Work, { op: 'activate' }>): void {
    const parent = this.elements[work.parentKey];
    if (!parent) return; // the scope was terminated while this activation waited
    const node = this.graph(work.processRef).nodes[work.elementId];
    if (!node) throw new Error(`element '${work.elementId}' is not in '${work.processRef}'`);
    const isBody =
      isActivity(node) && node.multiInstance !== null && work.loopCounter === undefined;
    const instance: ElementInstance = {
      key: this.nextKey(),
      elementId: node.id,
      kind: isBody ? 'multiInstanceBody' : 'flowNode',
      processRef: work.processRef,
      parentKey: work.parentKey,
      state: 'active',
      activatedAt: this.now,
      ...(work.loopCounter === undefined ? {} : { loopCounter: work.loopCounter }),
    };
    this.elements[instance.key] = instance;
    if (work.local) this.variables[instance.key] = work.local;
    if (!isBody) this.emitElement('element.activated', instance, node);
    this.activations += 1;
    const budget = this.ctx.stepMaxActivations ?? DEFAULT_STEP_MAX_ACTIVATIONS;
    if (this.activations > budget) {
      // A loop without a wait state, or a fan-out too wide: the token stops here, visibly.
      this.raiseIncident(
        instance.key,
        `one step activated more than ${budget} elements (the limit, STEP_MAX_ACTIVATIONS); '${node.id}' stops here (a loop without a wait state?)`,
        'activate',
        null,
      );
      return;
    }
    this.runActivation(instance, node);
  }

  /** The element's own activation: input mappings, boundary events, its behaviour. */
  runActivation(instance: ElementInstance, node: FlowNode): void {
    this.attempt(instance, 'activate', null, () => {
      const activity = isActivity(node) ? node : null;
      if (activity && instance.kind === 'flowNode' && activity.ioMapping?.inputs.length) {
        const scope = this.visibleVariables(instance.key);
        const local: Record<string, JsonValue> = { ...this.variables[instance.key] };
        for (const input of activity.ioMapping.inputs) {
          local[input.target] = this.evaluateAttribute(input.source, scope);
        }
        this.variables[instance.key] = local;
      }
      if (activity && (instance.kind === 'multiInstanceBody' || !activity.multiInstance)) {
        this.subscribeBoundaryEvents(instance, activity);
      }
      if (instance.kind === 'multiInstanceBody')
        multiInstanceBody.activate(this, instance, node as ActivityNode);
      else BEHAVIOURS[node.kind].activate(this, instance, node as never);
    });
  }

  private subscribeBoundaryEvents(instance: ElementInstance, node: ActivityNode): void {
    const graph = this.graph(instance.processRef);
    for (const boundaryId of node.boundaryEvents) {
      const boundary = graph.nodes[boundaryId];
      if (boundary?.kind !== 'boundaryEvent') continue;
      this.scheduleTimer(boundary.timer, instance, boundaryId, 'boundary');
    }
  }

  /**
   * Runs `action`; an expression, time or behaviour failure becomes an incident on the
   * element (what failed and why), anything else is a bug and propagates.
   */
  attempt(
    instance: ElementInstance,
    retry: IncidentRetry,
    variables: Variables | null,
    action: () => void,
  ): boolean {
    try {
      action();
      return true;
    } catch (error) {
      if (
        error instanceof IncidentError ||
        error instanceof FeelError ||
        error instanceof TimeExpressionError
      ) {
        this.raiseIncident(instance.key, error.message, retry, variables);
        return false;
      }
      throw error;
    }
  }

  raiseIncident(
    key: string,
    message: string,
    retry: IncidentRetry,
    variables: Variables | null,
  ): void {
    const instance = this.elements[key];
    if (!instance) return;
    if (retry === 'activate') this.cancelOwnedTimers(key);
    this.elements[key] = { ...instance, state: 'incident' };
    const incident: Incident = {
      key: this.nextKey(),
      elementInstanceKey: key,
      elementId: instance.elementId,
      message,
      createdAt: this.now,
      retry,
      variables,
    };
    this.incidents[incident.key] = incident;
    this.emit({ type: 'incident.created', incident });
  }

  // ---------------------------------------------------------------- completion

  /** Completes an element: its output, its events, then its outgoing flows. */
  completeElement(instance: ElementInstance, options: CompleteOptions = {}): void {
    const current = this.elements[instance.key];
    if (!current) return;
    const node = this.node(current);
    const ok = this.attempt(current, 'complete', options.variables ?? null, () =>
      this.applyOutput(current, node, options),
    );
    if (!ok) return;
    this.cancelOwnedTimers(current.key);
    if (current.kind === 'multiInstanceBody')
      multiInstanceBody.beforeComplete(this, current, node as ActivityNode);
    else this.emitElement('element.completed', current, node);
    const local = this.variables[current.key] ?? {};
    this.remove(current.key);
    const parent = current.parentKey === null ? undefined : this.elements[current.parentKey];
    if (parent?.kind === 'multiInstanceBody') {
      multiInstanceBody.innerCompleted(this, parent, node as ActivityNode, local);
      return;
    }
    const flows = options.flows ?? node.outgoing;
    for (const flowId of flows)
      this.takeFlow(flowId, current.parentKey as string, current.processRef);
    if (flows.length === 0) this.enqueueCheckScope(current.parentKey as string);
  }

  /** Output mappings, completion variables and the multi-instance output element. */
  private applyOutput(instance: ElementInstance, node: FlowNode, options: CompleteOptions): void {
    const outputs =
      instance.kind === 'flowNode' && isActivity(node) ? (node.ioMapping?.outputs ?? []) : [];
    const variables = options.variables;
    if (outputs.length > 0) {
      if (variables) this.setLocal(instance.key, variables);
      const scope = this.visibleVariables(instance.key);
      const results: Record<string, JsonValue> = {};
      for (const output of outputs) {
        results[output.target] = this.evaluateAttribute(output.source, scope);
      }
      // As in Zeebe, an inner instance of a multi-instance writes from its own scope, where
      // its input and output element variables live; any other element from its flow scope.
      const from = instance.loopCounter === undefined ? instance.parentKey : instance.key;
      this.setVariables(from as string, results);
    } else if (variables && Object.keys(variables).length > 0) {
      if (options.localOnly) this.setLocal(instance.key, variables);
      else this.setVariables(instance.key, variables);
    }
    const parent = instance.parentKey === null ? undefined : this.elements[instance.parentKey];
    if (parent?.kind === 'multiInstanceBody' && isActivity(node)) {
      multiInstanceBody.collectOutput(this, parent, instance, node);
    }
  }

  private takeFlow(flowId: string, scopeKey: string, processRef: string): void {
    const graph = this.graph(processRef);
    const flow = graph.flows[flowId];
    if (!flow) throw new Error(`sequence flow '${flowId}' is not in '${processRef}'`);
    const target = graph.nodes[flow.target];
    if (!target) throw new Error(`element '${flow.target}' is not in '${processRef}'`);
    const joining =
      (target.kind === 'parallelGateway' || target.kind === 'inclusiveGateway') &&
      target.incoming.length > 1;
    if (!joining) {
      this.enqueueActivate(target.id, scopeKey, processRef);
      return;
    }
    const tokens = this.addJoinToken(scopeKey, target.id, flowId);
    if (target.kind === 'parallelGateway' && target.incoming.every((id) => (tokens[id] ?? 0) > 0)) {
      this.consumeJoinTokens(scopeKey, target.id, target.incoming);
      this.enqueueActivate(target.id, scopeKey, processRef);
    }
    // Inclusive joins are settled when the queue is empty: a token still queued for
    // activation may yet reach the gateway.
  }

  private addJoinToken(
    scopeKey: string,
    gatewayId: string,
    flowId: string,
  ): Record<string, number> {
    const scope = { ...this.joins[scopeKey] };
    const tokens = { ...scope[gatewayId] };
    tokens[flowId] = (tokens[flowId] ?? 0) + 1;
    scope[gatewayId] = tokens;
    this.joins[scopeKey] = scope;
    return tokens;
  }

  private consumeJoinTokens(scopeKey: string, gatewayId: string, flowIds: readonly string[]): void {
    const scope = { ...this.joins[scopeKey] };
    const tokens = { ...scope[gatewayId] };
    for (const flowId of flowIds) {
      const left = (tokens[flowId] ?? 0) - 1;
      if (left > 0) tokens[flowId] = left;
      else delete tokens[flowId];
    }
    if (Object.keys(tokens).length > 0) scope[gatewayId] = tokens;
    else delete scope[gatewayId];
    if (Object.keys(scope).length > 0) this.joins[scopeKey] = scope;
    else delete this.joins[scopeKey];
  }

  /**
   * Fires every converging inclusive gateway that has a token and for whose other incoming
   * flows no token is left anywhere in the scope that could still reach them.
   */
  private settleInclusiveJoins(): boolean {
    let fired = false;
    for (const [scopeKey, gateways] of Object.entries(this.joins)) {
      const scope = this.elements[scopeKey];
      if (!scope) continue;
      const graph = this.graph(scope.processRef);
      for (const [gatewayId, tokens] of Object.entries(gateways)) {
        const gateway = graph.nodes[gatewayId];
        if (gateway?.kind !== 'inclusiveGateway') continue;
        const arrived = gateway.incoming.filter((flowId) => (tokens[flowId] ?? 0) > 0);
        if (arrived.length === 0) continue;
        const reach = graph.inclusiveJoinReach[gatewayId] ?? {};
        const positions = [
          ...this.children(scopeKey).map((child) => child.elementId),
          ...Object.keys(gateways).filter((id) => id !== gatewayId),
        ];
        const blocked = gateway.incoming.some(
          (flowId) =>
            !arrived.includes(flowId) &&
            positions.some((position) => reach[position]?.includes(flowId)),
        );
        if (blocked) continue;
        this.consumeJoinTokens(scopeKey, gatewayId, arrived);
        this.enqueueActivate(gatewayId, scopeKey, graph.ref);
        fired = true;
      }
    }
    return fired;
  }

  /** Completes a sub-process or process whose last token has ended. */
  private checkScope(key: string): void {
    const scope = this.elements[key];
    if (!scope || scope.state !== 'active' || scope.kind === 'multiInstanceBody') return;
    if (scope.kind === 'flowNode' && this.node(scope).kind !== 'subProcess') return;
    if (this.hasChildren(key) || this.joins[key]) return;
    if (scope.kind === 'flowNode') {
      this.completeElement(scope);
      return;
    }
    if (Object.values(this.timers).some((timer) => timer.elementInstanceKey === key)) return;
    if (scope.parentKey === null) {
      this.completeInstance();
      return;
    }
    // A called process has ended: the call activity completes with its variables.
    const variables = this.variables[key] ?? {};
    this.remove(key);
    const caller = this.elements[scope.parentKey];
    if (!caller) return;
    const node = this.node(caller);
    const propagate = node.kind === 'callActivity' ? node.propagateAllChildVariables : true;
    this.completeElement(caller, { variables, localOnly: !propagate });
  }

  private completeInstance(): void {
    this.status = 'completed';
    this.endedAt = this.now;
    const root = this.elements[this.rootKey];
    delete this.elements[this.rootKey];
    this.emit({ type: 'instance.completed', processId: root?.elementId ?? this.base.processId });
  }

  // ---------------------------------------------------------------- termination

  /** Terminates an element instance and everything inside it, innermost first. */
  terminate(key: string): void {
    const instance = this.elements[key];
    if (!instance) return;
    for (const child of this.children(key)) this.terminate(child.key);
    for (const task of Object.values(this.tasks)) {
      if (task.elementInstanceKey === key) {
        delete this.tasks[task.key];
        this.emit({ type: 'task.cancelled', task });
      }
    }
    this.cancelOwnedTimers(key);
    for (const incident of Object.values(this.incidents)) {
      if (incident.elementInstanceKey === key) {
        delete this.incidents[incident.key];
        this.emit({ type: 'incident.resolved', incident });
      }
    }
    this.remove(key);
    if (instance.kind === 'flowNode') {
      this.emitElement('element.terminated', instance, this.node(instance));
    }
  }

  /**
   * Terminates every element of the scope and drops its tokens: those waiting at joins and
   * those still queued for activation in it (a terminate end event ends the scope at once).
   */
  terminateScopeContents(scopeKey: string): void {
    for (const child of this.children(scopeKey)) this.terminate(child.key);
    delete this.joins[scopeKey];
    const pending = this.queue.splice(this.head);
    for (const work of pending) {
      if (work.op !== 'activate' || work.parentKey !== scopeKey) this.queue.push(work);
    }
  }

  cancelInstance(): void {
    this.terminate(this.rootKey);
    this.status = 'terminated';
    this.endedAt = this.now;
    this.emit({ type: 'instance.terminated', processId: this.base.processId });
  }

  /** Drops an element instance and its local state (the root keeps its variables). */
  private remove(key: string): void {
    delete this.elements[key];
    if (key !== this.rootKey) delete this.variables[key];
    delete this.joins[key];
  }

  // ---------------------------------------------------------------- tasks and timers

  createTask(task: Task): void {
    this.tasks[task.key] = task;
    this.emit({ type: 'task.created', task });
  }

  scheduleTimer(
    definition: TimerDefinition,
    owner: ElementInstance,
    elementId: string,
    purpose: TimerPurpose,
  ): void {
    let text = definition.expression;
    if (isExpression(text)) {
      const value = this.evaluateExpression(
        stripExpressionMarker(text),
        this.visibleVariables(owner.key),
      );
      if (typeof value !== 'string') {
        throw new IncidentError(
          `timer ${definition.kind} expression "${text}" evaluated to ${JSON.stringify(value)}, not an ISO-8601 text`,
        );
      }
      text = value;
    }
    let dueAt: number | null;
    let cycle: Timer['cycle'] = null;
    switch (definition.kind) {
      case 'timeDate':
        dueAt = parseDateTime(text, this.zone);
        break;
      case 'timeDuration':
        dueAt = addDuration(this.now, parseDuration(text), this.zone);
        break;
      case 'timeCycle': {
        const parsed = parseCycle(text, this.zone);
        const open = purpose === 'boundary' && this.mayWaitForEver(owner);
        const over = checkCycleLimits(text, parsed, this.ctx.timerLimits, open);
        if (over !== null) throw new IncidentError(`timer '${elementId}': ${over}`);
        dueAt = cycleDueAt(parsed, this.now, 0, this.zone);
        cycle = { text, anchor: this.now, index: 0 };
        break;
      }
    }
    if (dueAt === null) return; // a cycle that has already ended
    this.addTimer({
      key: this.nextKey(),
      elementId,
      elementInstanceKey: owner.key,
      processRef: owner.processRef,
      purpose,
      dueAt,
      cycle,
    });
  }

  /**
   * Whether an activity may wait for ever, as far as timers know: neither it nor any activity
   * around it (sub-processes, the call activity of a called process) has an interrupting timer
   * boundary event, a deadline that would end it and its cycles with it.
   */
  private mayWaitForEver(owner: ElementInstance): boolean {
    for (let at: ElementInstance | undefined = owner; at;) {
      if (at.kind !== 'process') {
        const node = this.node(at);
        const graph = this.graph(at.processRef);
        const deadline =
          isActivity(node) &&
          node.boundaryEvents.some((id) => {
            const boundary = graph.nodes[id];
            return boundary?.kind === 'boundaryEvent' && boundary.cancelActivity;
          });
        if (deadline) return false;
      }
      at = at.parentKey === null ? undefined : this.elements[at.parentKey];
    }
    return true;
  }

  /** The next firing of a cycle timer, if the cycle has one. */
  rescheduleCycle(timer: Timer): void {
    if (!timer.cycle) return;
    const index = timer.cycle.index + 1;
    const dueAt = cycleDueAt(
      parseCycle(timer.cycle.text, this.zone),
      timer.cycle.anchor,
      index,
      this.zone,
    );
    if (dueAt === null) return;
    this.addTimer({ ...timer, key: this.nextKey(), dueAt, cycle: { ...timer.cycle, index } });
  }

  private addTimer(timer: Timer): void {
    this.timers[timer.key] = timer;
    this.emit({ type: 'timer.scheduled', timer });
  }

  cancelOwnedTimers(key: string): void {
    for (const timer of Object.values(this.timers)) {
      if (timer.elementInstanceKey === key) {
        delete this.timers[timer.key];
        this.emit({ type: 'timer.cancelled', timer });
      }
    }
  }

  // ---------------------------------------------------------------- variables

  /** The variables an expression at this element sees: its scopes merged, inner first. */
  visibleVariables(key: string): Record<string, JsonValue> {
    const chain: Variables[] = [];
    let current: ElementInstance | undefined = this.elements[key];
    let currentKey: string | null = key;
    while (currentKey !== null) {
      const local = this.variables[currentKey];
      if (local) chain.push(local);
      if (!current || current.kind === 'process') break;
      currentKey = current.parentKey;
      current = currentKey === null ? undefined : this.elements[currentKey];
    }
    if (chain.length === 1) return chain[0];
    const merged: Record<string, JsonValue> = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(merged, chain[i]);
    return merged;
  }

  setLocal(key: string, variables: Variables): void {
    this.variables[key] = { ...this.variables[key], ...variables };
  }

  /**
   * Sets each variable where it is already defined, searching from `key` outwards to the
   * process; a new variable lands on the process scope (Zeebe's propagation rule).
   */
  setVariables(key: string, variables: Variables): void {
    const writes = new Map<string, Record<string, JsonValue>>();
    for (const [name, value] of Object.entries(variables)) {
      let target: string | null = null;
      let currentKey: string | null = key;
      let processKey = key;
      while (currentKey !== null) {
        const current: ElementInstance | undefined = this.elements[currentKey];
        if (this.variables[currentKey] && name in (this.variables[currentKey] as object)) {
          target = currentKey;
          break;
        }
        processKey = currentKey;
        if (!current || current.kind === 'process') break;
        currentKey = current.parentKey;
      }
      target ??= processKey;
      const batch = writes.get(target) ?? {};
      batch[name] = value;
      writes.set(target, batch);
    }
    for (const [target, batch] of writes) {
      this.setLocal(target, batch);
      this.emit({ type: 'variables.set', scopeKey: target, variables: batch });
    }
  }

  // ---------------------------------------------------------------- expressions

  evaluateAttribute(attribute: string, scope: Record<string, JsonValue>): JsonValue {
    return evaluateAttribute(attribute, scope, this.feel);
  }

  evaluateExpression(expression: string, scope: Record<string, JsonValue>): JsonValue {
    return evaluateExpression(expression, scope, this.feel);
  }

  evaluateCondition(expression: string, scope: Record<string, JsonValue>): boolean {
    return evaluateCondition(expression, scope, this.feel);
  }

  // ---------------------------------------------------------------- events

  emitElement(
    type: 'element.activated' | 'element.completed' | 'element.terminated',
    instance: ElementInstance,
    node: FlowNode,
  ): void {
    this.emit({
      type,
      elementInstanceKey: instance.key,
      elementId: instance.elementId,
      bpmnType: node.bpmnType,
      processRef: instance.processRef,
    });
  }
}
