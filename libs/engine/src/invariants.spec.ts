/**
 * Property-based invariants of the engine (fast-check): generated process topologies, driven
 * through `step` in every order fast-check cares to pick, checked after every step.
 *
 * Every run goes through {@link Driver}, which after each step also checks the general
 * invariants (property 3: the structure of the state, and the effect ledger: every task,
 * timer and element instance that appears or disappears is accounted for by an effect), deep
 * freezes every state and command it hands to the engine, and compares each input state with a
 * structuredClone taken before the step (property 5: the input is never changed).
 *
 * A failure prints fast-check's seed and path (rerun with `{ seed, path }` in fc.assert) and,
 * in the "Logs" section, the exact commands the shrunk run issued.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type CompiledDefinitions, type ProcessGraph, compileBpmn } from '@app/bpmn';
import { parseDateTime } from '@app/time';
import {
  type Command,
  type Effect,
  type EngineContext,
  EngineException,
  EngineExceptionCode,
  type InstanceState,
  type Task,
  type Timer,
  type Variables,
  nextTimer,
  openTasks,
  registryOf,
  step,
} from './index.js';

const T0 = parseDateTime('2026-01-05T09:00:00+08:00', 'Asia/Shanghai');
const MINUTE = 60_000;
/** Upper bound on the steps of one run (every generated process is finite or bounded). */
const MAX_STEPS = 200;

// ------------------------------------------------------------------------------ BPMN models

/** One element of a branch: a user task (maybe with a non-interrupting reminder cycle) or a timer catch. */
type BranchStep =
  | { readonly kind: 'task'; readonly remind: number | null }
  | { readonly kind: 'timer'; readonly minutes: number };
type Branch = readonly BranchStep[];

const branchStepArb: fc.Arbitrary<BranchStep> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('task' as const),
      remind: fc.option(fc.integer({ min: 5, max: 90 }), { freq: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('timer' as const),
      minutes: fc.integer({ min: 1, max: 120 }),
    }),
  },
);

/** 2..5 branches; most have 1–3 steps, a few go straight from the fork to the join. */
const branchesArb = (min = 2, max = 5): fc.Arbitrary<Branch[]> =>
  fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.array(branchStepArb, { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constant([] as BranchStep[]) },
    ),
    { minLength: min, maxLength: max },
  );

const xmlHeader =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" ' +
  'targetNamespace="http://bpmn.io/schema/bpmn">';

function definitionsXml(processId: string, body: readonly string[]): string {
  return [
    xmlHeader,
    `  <bpmn:process id="${processId}" isExecutable="true">`,
    ...body.map((line) => `    ${line}`),
    '  </bpmn:process>',
    '</bpmn:definitions>',
    '',
  ].join('\n');
}

const timerXml = (kind: 'timeDuration' | 'timeCycle', text: string) =>
  `<bpmn:timerEventDefinition><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${text}</bpmn:${kind}></bpmn:timerEventDefinition>`;

class XmlBuilder {
  readonly lines: string[] = [];
  private flowCount = 0;

  constructor(private readonly prefix: string) {}

  add(line: string): void {
    this.lines.push(line);
  }

  flow(source: string, target: string, condition: string | null = null): void {
    const id = `${this.prefix}F${++this.flowCount}`;
    if (condition === null) {
      this.add(`<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"/>`);
    } else {
      this.add(
        `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}">` +
          `<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression>` +
          `</bpmn:sequenceFlow>`,
      );
    }
  }

  userTask(id: string): void {
    this.add(`<bpmn:userTask id="${id}" name="${id}"/>`);
  }

  endEvent(id: string): void {
    this.add(`<bpmn:endEvent id="${id}"/>`);
  }

  /**
   * `${prefix}Fork` -> one branch per entry -> `${prefix}Join`. With `conditions`, the flow
   * leaving the fork into branch i has the condition `=b<i>`. Returns each branch's element ids.
   */
  forkJoin(
    gateway: 'parallelGateway' | 'inclusiveGateway',
    branches: readonly Branch[],
    conditions: boolean,
  ): string[][] {
    const p = this.prefix;
    this.add(`<bpmn:${gateway} id="${p}Fork"/>`);
    this.add(`<bpmn:${gateway} id="${p}Join"/>`);
    return branches.map((branch, i) => {
      const ids: string[] = [];
      let previous = `${p}Fork`;
      const condition = () => (conditions && previous === `${p}Fork` ? `=b${i}` : null);
      branch.forEach((s, j) => {
        const id = `${p}B${i}S${j}`;
        ids.push(id);
        if (s.kind === 'task') {
          this.userTask(id);
          if (s.remind !== null) {
            // A reminder: non-interrupting, twice, its token ends at once.
            this.add(
              `<bpmn:boundaryEvent id="${id}Remind" attachedToRef="${id}" cancelActivity="false">` +
                timerXml('timeCycle', `R2/PT${s.remind}M`) +
                `</bpmn:boundaryEvent>`,
            );
            this.endEvent(`${id}RemindEnd`);
            this.flow(`${id}Remind`, `${id}RemindEnd`);
            ids.push(`${id}Remind`, `${id}RemindEnd`);
          }
        } else {
          this.add(
            `<bpmn:intermediateCatchEvent id="${id}">` +
              timerXml('timeDuration', `PT${s.minutes}M`) +
              `</bpmn:intermediateCatchEvent>`,
          );
        }
        this.flow(previous, id, condition());
        previous = id;
      });
      this.flow(previous, `${p}Join`, condition());
      return ids;
    });
  }
}

interface ForkJoinModel {
  readonly xml: string;
  readonly processId: string;
  readonly branchIds: readonly (readonly string[])[];
  readonly variables: Variables;
  /** Indexes of the branches the fork takes. */
  readonly taken: readonly number[];
}

/** Start -> Fork -> branches -> Join -> After (user task) -> End. */
function forkJoinModel(
  gateway: 'parallelGateway' | 'inclusiveGateway',
  branches: readonly Branch[],
  taken: readonly number[] = branches.map((_, i) => i),
): ForkJoinModel {
  const b = new XmlBuilder('');
  const inclusive = gateway === 'inclusiveGateway';
  b.add('<bpmn:startEvent id="Start"/>');
  b.flow('Start', 'Fork');
  const branchIds = b.forkJoin(gateway, branches, inclusive);
  b.userTask('After');
  b.flow('Join', 'After');
  b.endEvent('End');
  b.flow('After', 'End');
  const variables: Record<string, boolean> = {};
  if (inclusive) branches.forEach((_, i) => (variables[`b${i}`] = taken.includes(i)));
  const processId = inclusive ? 'inclusive' : 'parallel';
  return { xml: definitionsXml(processId, b.lines), processId, branchIds, variables, taken };
}

interface ScopeModel {
  readonly xml: string;
  readonly processId: string;
  /** Element ids inside the sub-process. */
  readonly insideIds: readonly string[];
}

/**
 * Start -> OFork (parallel, no join) -> [Sub -> AfterSub -> End1, Outside -> End2]. Sub: an
 * embedded sub-process with parallel branches of user tasks (SFork/SJoin); its first task has
 * a non-interrupting, never-ending cycle timer `Nudge` opening a `NudgeTask` inside Sub. Sub has
 * an interrupting boundary timer `SubTimeout` leading to the `Escalate` user task.
 */
function scopeModel(branches: readonly Branch[], timeoutMinutes: number): ScopeModel {
  const inner = new XmlBuilder('S');
  inner.add('<bpmn:startEvent id="SubStart"/>');
  inner.flow('SubStart', 'SFork');
  const branchIds = inner.forkJoin('parallelGateway', branches, false);
  inner.endEvent('SubEnd');
  inner.flow('SJoin', 'SubEnd');
  inner.add(
    `<bpmn:boundaryEvent id="Nudge" attachedToRef="SB0S0" cancelActivity="false">` +
      timerXml('timeCycle', 'R/PT10M') +
      `</bpmn:boundaryEvent>`,
  );
  inner.userTask('NudgeTask');
  inner.flow('Nudge', 'NudgeTask');
  inner.endEvent('NudgeEnd');
  inner.flow('NudgeTask', 'NudgeEnd');

  const b = new XmlBuilder('');
  b.add('<bpmn:startEvent id="Start"/>');
  b.add('<bpmn:parallelGateway id="OFork"/>');
  b.flow('Start', 'OFork');
  b.add('<bpmn:subProcess id="Sub">');
  for (const line of inner.lines) b.add(`  ${line}`);
  b.add('</bpmn:subProcess>');
  b.flow('OFork', 'Sub');
  b.add(
    `<bpmn:boundaryEvent id="SubTimeout" attachedToRef="Sub">` +
      timerXml('timeDuration', `PT${timeoutMinutes}M`) +
      `</bpmn:boundaryEvent>`,
  );
  b.userTask('Escalate');
  b.flow('SubTimeout', 'Escalate');
  b.endEvent('EscalateEnd');
  b.flow('Escalate', 'EscalateEnd');
  b.userTask('AfterSub');
  b.flow('Sub', 'AfterSub');
  b.endEvent('End1');
  b.flow('AfterSub', 'End1');
  b.userTask('Outside');
  b.flow('OFork', 'Outside');
  b.endEvent('End2');
  b.flow('Outside', 'End2');
  const insideIds = [
    'SubStart',
    'SFork',
    'SJoin',
    'SubEnd',
    'Nudge',
    'NudgeTask',
    'NudgeEnd',
    ...branchIds.flat(),
  ];
  return { xml: definitionsXml('scope', b.lines), processId: 'scope', insideIds };
}

/** The first task of the sub-process must be a task (it carries the Nudge cycle). */
const scopeBranchesArb: fc.Arbitrary<Branch[]> = fc
  .tuple(
    fc.array(branchStepArb, { minLength: 0, maxLength: 1 }),
    branchesArb(1, 2).map((rest) =>
      rest.map((branch) =>
        branch.length === 0 ? [{ kind: 'task', remind: null } as const] : branch,
      ),
    ),
  )
  .map(([tail, rest]) => [[{ kind: 'task', remind: null } as const, ...tail], ...rest]);

const compiled = new Map<string, Promise<CompiledDefinitions>>();

async function contextFor(xml: string): Promise<EngineContext> {
  let definitions = compiled.get(xml);
  if (!definitions) {
    definitions = compileBpmn(xml);
    compiled.set(xml, definitions);
  }
  return { processes: registryOf(await definitions), timeZone: 'Asia/Shanghai' };
}

// ------------------------------------------------------------------------------ checks

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function graphOf(ctx: EngineContext, ref: string): ProcessGraph {
  const graph = ctx.processes.byRef(ref);
  if (!graph) throw new Error(`no graph '${ref}'`);
  return graph;
}

/** The element instance keys of `key` and everything inside it. */
function subtree(state: InstanceState, key: string): Set<string> {
  const keys = new Set([key]);
  for (let grew = true; grew;) {
    grew = false;
    for (const element of Object.values(state.elements)) {
      if (element.parentKey !== null && keys.has(element.parentKey) && !keys.has(element.key)) {
        keys.add(element.key);
        grew = true;
      }
    }
  }
  return keys;
}

/** Tokens of a scope: its live child element instances plus the tokens waiting at its joins. */
function tokensIn(state: InstanceState, scopeKey: string): number {
  const children = Object.values(state.elements).filter((e) => e.parentKey === scopeKey).length;
  let waiting = 0;
  for (const tokens of Object.values(state.joins[scopeKey] ?? {}))
    for (const count of Object.values(tokens)) waiting += count;
  return children + waiting;
}

/**
 * Property 3, the shape of one state: nothing refers to an element instance that is gone, no
 * join holds a complete set of tokens, and an ended instance holds nothing. Returns what is
 * wrong (empty when all is well).
 */
function stateViolations(ctx: EngineContext, state: InstanceState): string[] {
  const wrong: string[] = [];
  const live = state.elements;
  const keyOk = (key: string) => Number(key) >= 1 && Number(key) <= state.seq;
  for (const [key, element] of Object.entries(live)) {
    if (element.key !== key || !keyOk(key)) wrong.push(`element ${key} has key ${element.key}`);
    if (element.parentKey === null) {
      if (key !== state.rootKey || element.kind !== 'process')
        wrong.push(`element ${key} (${element.elementId}) has no parent but is not the root`);
    } else if (!(element.parentKey in live)) {
      wrong.push(`element ${key} (${element.elementId}): parent ${element.parentKey} is gone`);
    }
  }
  for (const [key, task] of Object.entries(state.tasks)) {
    const owner = live[task.elementInstanceKey];
    if (task.key !== key) wrong.push(`task ${key} has key ${task.key}`);
    if (!owner)
      wrong.push(`task ${key} (${task.elementId}): element ${task.elementInstanceKey} is gone`);
    else if (owner.elementId !== task.elementId)
      wrong.push(`task ${key} (${task.elementId}) belongs to ${owner.elementId}`);
  }
  for (const [key, timer] of Object.entries(state.timers)) {
    if (timer.key !== key) wrong.push(`timer ${key} has key ${timer.key}`);
    if (!(timer.elementInstanceKey in live))
      wrong.push(`timer ${key} (${timer.elementId}): owner ${timer.elementInstanceKey} is gone`);
  }
  for (const [key, incident] of Object.entries(state.incidents)) {
    if (!(incident.elementInstanceKey in live))
      wrong.push(`incident ${key}: element ${incident.elementInstanceKey} is gone`);
  }
  for (const key of Object.keys(state.variables)) {
    if (key !== state.rootKey && !(key in live)) wrong.push(`variables of gone element ${key}`);
  }
  for (const [scopeKey, gateways] of Object.entries(state.joins)) {
    const scope = live[scopeKey];
    if (!scope) {
      wrong.push(`join tokens in gone scope ${scopeKey}`);
      continue;
    }
    const graph = graphOf(ctx, scope.processRef);
    const positions = Object.values(live)
      .filter((e) => e.parentKey === scopeKey)
      .map((e) => e.elementId);
    for (const [gatewayId, tokens] of Object.entries(gateways)) {
      const gateway = graph.nodes[gatewayId];
      if (gateway?.kind !== 'parallelGateway' && gateway?.kind !== 'inclusiveGateway') {
        wrong.push(`join tokens at ${gatewayId}, which is no converging gateway`);
        continue;
      }
      for (const [flowId, count] of Object.entries(tokens)) {
        if (!gateway.incoming.includes(flowId) || !Number.isInteger(count) || count <= 0)
          wrong.push(`join ${gatewayId}: ${count} tokens on ${flowId}`);
      }
      const missing = gateway.incoming.filter((flowId) => !(tokens[flowId] > 0));
      // A join that has every token it needs has fired: a waiting join is missing something.
      if (missing.length === 0) wrong.push(`join ${gatewayId} has all its tokens but waits`);
      if (gateway.kind === 'inclusiveGateway') {
        // ... and an inclusive join waits only while a token can still reach a missing flow.
        const reach = graph.inclusiveJoinReach[gatewayId] ?? {};
        const others = [...positions, ...Object.keys(gateways).filter((id) => id !== gatewayId)];
        const blocked = missing.some((flowId) =>
          others.some((position) => reach[position]?.includes(flowId)),
        );
        if (!blocked) wrong.push(`inclusive join ${gatewayId} waits for nothing that can come`);
      }
    }
  }
  if (state.status === 'active') {
    if (live[state.rootKey]?.kind !== 'process') wrong.push('active instance without its root');
  } else {
    if (state.endedAt === null) wrong.push(`${state.status} instance without endedAt`);
    const left = {
      elements: Object.keys(live),
      tasks: Object.keys(state.tasks),
      timers: Object.keys(state.timers),
      incidents: Object.keys(state.incidents),
      joins: Object.keys(state.joins),
    };
    for (const [what, keys] of Object.entries(left))
      if (keys.length > 0)
        wrong.push(`${state.status} instance still has ${what} ${keys.join(',')}`);
  }
  return wrong;
}

function keysOf(effects: readonly Effect[], ...types: Effect['type'][]): string[] {
  const keys: string[] = [];
  for (const effect of effects) {
    if (!types.includes(effect.type)) continue;
    if ('task' in effect) keys.push(effect.task.key);
    else if ('timer' in effect) keys.push(effect.timer.key);
    else if ('elementInstanceKey' in effect) keys.push(effect.elementInstanceKey);
  }
  return keys;
}

function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => Number(a) - Number(b));
}

/**
 * Property 3, the ledger of one step: what appeared was created by an effect, what went away
 * was completed, cancelled, fired or terminated by one, and nothing ended twice.
 */
function ledgerViolations(
  before: InstanceState | null,
  after: InstanceState,
  effects: readonly Effect[],
): string[] {
  const wrong: string[] = [];
  const ledger = (
    what: string,
    previous: readonly string[],
    current: readonly string[],
    created: readonly string[],
    ended: readonly string[],
  ) => {
    const had = new Set(previous);
    const expected = new Set([...previous, ...created]);
    for (const key of ended) expected.delete(key);
    const twice = (keys: readonly string[]) => keys.filter((k, i) => keys.indexOf(k) !== i);
    if (twice(created).length > 0) wrong.push(`${what} created twice: ${twice(created).join(',')}`);
    if (twice(ended).length > 0) wrong.push(`${what} ended twice: ${twice(ended).join(',')}`);
    const recreated = created.filter((k) => had.has(k));
    if (recreated.length > 0) wrong.push(`${what} created again: ${recreated.join(',')}`);
    const unknown = ended.filter((k) => !had.has(k) && !created.includes(k));
    if (unknown.length > 0) wrong.push(`${what} ended but never there: ${unknown.join(',')}`);
    const now = new Set(current);
    const silentlyGone = sortedKeys([...expected].filter((k) => !now.has(k)));
    const silentlyNew = sortedKeys(current.filter((k) => !expected.has(k)));
    if (silentlyGone.length > 0)
      wrong.push(`${what} gone without an effect: ${silentlyGone.join(',')}`);
    if (silentlyNew.length > 0)
      wrong.push(`${what} new without an effect: ${silentlyNew.join(',')}`);
  };
  ledger(
    'tasks',
    Object.keys(before?.tasks ?? {}),
    Object.keys(after.tasks),
    keysOf(effects, 'task.created'),
    keysOf(effects, 'task.completed', 'task.cancelled'),
  );
  ledger(
    'timers',
    Object.keys(before?.timers ?? {}),
    Object.keys(after.timers),
    keysOf(effects, 'timer.scheduled'),
    keysOf(effects, 'timer.fired', 'timer.cancelled'),
  );
  const root = after.rootKey;
  const ends = effects.filter(
    (e) => e.type === 'instance.completed' || e.type === 'instance.terminated',
  ).length;
  const expectedEnds = after.status !== 'active' && before?.status !== after.status ? 1 : 0;
  if (ends !== expectedEnds) wrong.push(`${ends} instance end effects, expected ${expectedEnds}`);
  ledger(
    'elements',
    before ? Object.keys(before.elements) : [root],
    Object.keys(after.elements),
    keysOf(effects, 'element.activated'),
    [...keysOf(effects, 'element.completed', 'element.terminated'), ...(ends ? [root] : [])],
  );
  return wrong;
}

// ------------------------------------------------------------------------------ driver

type Outcome =
  | { readonly ok: true; readonly state: InstanceState; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly code: string };

/** Runs commands through `step`, checking every step; logs each command to fast-check. */
class Driver {
  state: InstanceState | null = null;
  now = T0;
  readonly effects: Effect[] = [];
  /** The effects of each successful step, in order. */
  readonly steps: { readonly command: Command; readonly effects: readonly Effect[] }[] = [];
  readonly commands: { readonly command: Command; readonly now: number }[] = [];

  constructor(
    readonly ctx: EngineContext,
    private readonly log?: fc.ContextValue,
  ) {}

  run(command: Command): Outcome {
    const before = this.state;
    deepFreeze(command);
    const copy = structuredClone(before);
    this.commands.push({ command, now: this.now });
    this.log?.log(`${JSON.stringify(command)} @+${(this.now - T0) / MINUTE}min`);
    let result: { state: InstanceState; effects: readonly Effect[] };
    try {
      result = step(this.ctx, before, command, this.now);
    } catch (error) {
      if (!(error instanceof EngineException)) throw error;
      this.log?.log(`  -> ${error.code}`);
      expect(before).toEqual(copy);
      return { ok: false, code: error.code };
    }
    // Property 5: the input state is never changed (it is also deep-frozen).
    expect(before).toEqual(copy);
    const wrong = [
      ...stateViolations(this.ctx, result.state),
      ...ledgerViolations(before, result.state, result.effects),
    ];
    if (wrong.length > 0) this.log?.log(`  -> ${wrong.join('; ')}`);
    expect(wrong).toEqual([]);
    this.state = deepFreeze(result.state);
    this.effects.push(...result.effects);
    this.steps.push({ command, effects: result.effects });
    return { ok: true, state: result.state, effects: result.effects };
  }

  get current(): InstanceState {
    if (!this.state) throw new Error('not started');
    return this.state;
  }

  get active(): boolean {
    return this.state?.status === 'active';
  }

  complete(task: Task, advance = 1): Outcome {
    this.now += advance * MINUTE;
    return this.run({ type: 'completeTask', taskKey: task.key });
  }

  fire(timer: Timer): Outcome {
    this.now = Math.max(this.now, timer.dueAt);
    return this.run({ type: 'fireTimer', timerKey: timer.key });
  }

  count(type: Effect['type'], elementId: string): number {
    return this.effects.filter(
      (e) =>
        e.type === type &&
        (('elementId' in e && e.elementId === elementId) ||
          ('task' in e && e.task.elementId === elementId) ||
          ('timer' in e && e.timer.elementId === elementId)),
    ).length;
  }
}

/** Every open task and every timer: what a caller could do next, in a stable order. */
function waitStates(state: InstanceState): (Task | Timer)[] {
  return [...openTasks(state), ...Object.values(state.timers)];
}

function isTask(item: Task | Timer): item is Task {
  return 'kind' in item;
}

/** Completes / fires the wait state fast-check picked, until the instance ends or stalls. */
function drive(driver: Driver, picks: readonly number[], onStep?: (outcome: Outcome) => void) {
  for (let i = 0; i < MAX_STEPS && driver.active; i++) {
    const options = waitStates(driver.current);
    if (options.length === 0) break;
    const chosen = options[(picks[i] ?? 0) % options.length];
    const outcome = isTask(chosen) ? driver.complete(chosen) : driver.fire(chosen);
    onStep?.(outcome);
  }
}

const picksArb = fc.array(fc.nat({ max: 999 }), { maxLength: 40 });

// ------------------------------------------------------------------------------ properties

describe('engine invariants (property-based)', () => {
  describe('given a parallel fork into 2–5 branches joining at a parallel gateway', () => {
    it('when tasks complete and timers fire in any order, then the join fires exactly once, After is created once and the instance completes', async () => {
      await fc.assert(
        fc.asyncProperty(branchesArb(), picksArb, fc.context(), async (branches, picks, log) => {
          const model = forkJoinModel('parallelGateway', branches);
          const driver = new Driver(await contextFor(model.xml), log);
          driver.run({ type: 'start', processRef: model.processId });
          let sawJoin = false;
          const checkTokens = () => {
            const state = driver.current;
            if (state.status !== 'active') return;
            const joined = driver.count('element.activated', 'Join') > 0;
            // Token conservation: one token per branch until the join, then one (After).
            expect({ joined, tokens: tokensIn(state, state.rootKey) }).toEqual({
              joined,
              tokens: joined ? 1 : branches.length,
            });
          };
          checkTokens();
          drive(driver, picks, () => {
            checkTokens();
            if (!sawJoin && driver.count('element.activated', 'Join') > 0) {
              sawJoin = true;
              // The join fired with the last branch: nothing of any branch is left.
              const branchIds = new Set(model.branchIds.flat());
              const left = Object.values(driver.current.elements).filter((e) =>
                branchIds.has(e.elementId),
              );
              expect(left).toEqual([]);
            }
          });
          expect(driver.current.status).toBe('completed');
          expect(driver.count('element.activated', 'Join')).toBe(1);
          expect(driver.count('element.completed', 'Join')).toBe(1);
          expect(driver.count('task.created', 'After')).toBe(1);
          expect(driver.count('task.completed', 'After')).toBe(1);
          expect(driver.effects.filter((e) => e.type === 'instance.completed')).toHaveLength(1);
        }),
        { numRuns: 120 },
      );
    });
  });

  describe('given an inclusive fork whose conditions take a generated subset of the branches', () => {
    it('when the taken branches finish in any order, then the inclusive join fires exactly once, after the last taken branch', async () => {
      const arb = branchesArb().chain((branches) =>
        fc.record({
          branches: fc.constant(branches),
          taken: fc.subarray(
            branches.map((_, i) => i),
            { minLength: 1 },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, picksArb, fc.context(), async ({ branches, taken }, picks, log) => {
          const model = forkJoinModel('inclusiveGateway', branches, taken);
          const driver = new Driver(await contextFor(model.xml), log);
          driver.run({ type: 'start', processRef: model.processId, variables: model.variables });
          const takenIds = new Set(taken.flatMap((i) => model.branchIds[i]));
          const branchIds = new Set(model.branchIds.flat());
          let sawJoin = false;
          const check = () => {
            const state = driver.current;
            const joins = driver.count('element.activated', 'Join');
            expect(joins).toBeLessThanOrEqual(1);
            if (joins === 1 && !sawJoin) {
              sawJoin = true;
              // Fired after the last taken branch: no branch element is live any more.
              expect(
                Object.values(state.elements).filter((e) => branchIds.has(e.elementId)),
              ).toEqual([]);
            }
            if (joins === 0) {
              // Not fired yet: some taken branch is still under way.
              expect(Object.values(state.elements).some((e) => takenIds.has(e.elementId))).toBe(
                true,
              );
            }
            if (state.status === 'active') {
              expect({ joined: joins > 0, tokens: tokensIn(state, state.rootKey) }).toEqual({
                joined: joins > 0,
                tokens: joins > 0 ? 1 : taken.length,
              });
            }
          };
          check();
          drive(driver, picks, check);
          // Branches not taken never ran.
          const untaken = driver.effects.filter(
            (e) =>
              e.type === 'element.activated' &&
              branchIds.has(e.elementId) &&
              !takenIds.has(e.elementId),
          );
          expect(untaken).toEqual([]);
          expect(driver.current.status).toBe('completed');
          expect(driver.count('element.activated', 'Join')).toBe(1);
          expect(driver.count('task.created', 'After')).toBe(1);
        }),
        { numRuns: 120 },
      );
    });
  });

  describe('given random walks that may cancel the instance at any point', () => {
    it('when any step is taken, then every task, timer and element instance belongs to a live parent and an ended instance holds nothing', async () => {
      const arb = fc.record({
        gateway: fc.constantFrom('parallelGateway' as const, 'inclusiveGateway' as const),
        branches: branchesArb(),
        picks: picksArb,
        cancelAt: fc.option(fc.nat({ max: 12 }), { freq: 2 }),
        setVariablesAt: fc.option(fc.nat({ max: 12 })),
      });
      await fc.assert(
        fc.asyncProperty(arb, fc.context(), async (input, log) => {
          const { gateway, branches, picks, cancelAt, setVariablesAt } = input;
          const model = forkJoinModel(gateway, branches);
          const driver = new Driver(await contextFor(model.xml), log);
          driver.run({ type: 'start', processRef: model.processId, variables: model.variables });
          for (let i = 0; i < MAX_STEPS && driver.active; i++) {
            if (i === cancelAt) {
              const before = driver.current;
              const outcome = driver.run({ type: 'cancel' });
              expect(outcome.ok).toBe(true);
              if (!outcome.ok) break;
              expect(outcome.state.status).toBe('terminated');
              expect(sortedKeys(keysOf(outcome.effects, 'task.cancelled'))).toEqual(
                sortedKeys(Object.keys(before.tasks)),
              );
              expect(sortedKeys(keysOf(outcome.effects, 'timer.cancelled'))).toEqual(
                sortedKeys(Object.keys(before.timers)),
              );
              break;
            }
            if (i === setVariablesAt) {
              driver.run({ type: 'setVariables', variables: { touched: i } });
              continue;
            }
            const options = waitStates(driver.current);
            if (options.length === 0) break;
            const chosen = options[(picks[i] ?? 0) % options.length];
            if (isTask(chosen)) driver.complete(chosen);
            else driver.fire(chosen);
          }
          const state = driver.current;
          expect(state.status).not.toBe('active');
          // A finished instance refuses everything but (ignored) timer deliveries.
          const refused = driver.run({ type: 'cancel' });
          expect(refused).toEqual({ ok: false, code: EngineExceptionCode.INSTANCE_NOT_ACTIVE });
        }),
        { numRuns: 120 },
      );
    });
  });

  describe('given an embedded sub-process with parallel tasks, a nested cycle timer and an interrupting boundary timer', () => {
    type Action =
      | { readonly op: 'complete'; readonly pick: number }
      | { readonly op: 'fireEarliest' }
      | { readonly op: 'fireSubTimeout' }
      | { readonly op: 'cancel' };
    const actionArb: fc.Arbitrary<Action> = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat(99) }),
      },
      { weight: 3, arbitrary: fc.constant({ op: 'fireEarliest' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'fireSubTimeout' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'cancel' as const }) },
    );

    it('when the boundary timer fires or the instance is cancelled at a random point, then nothing inside the scope stays live and every removal has its effect', async () => {
      await fc.assert(
        fc.asyncProperty(
          scopeBranchesArb,
          fc.integer({ min: 15, max: 240 }),
          fc.array(actionArb, { maxLength: 40 }),
          fc.context(),
          async (branches, timeout, actions, log) => {
            const model = scopeModel(branches, timeout);
            const driver = new Driver(await contextFor(model.xml), log);
            driver.run({ type: 'start', processRef: model.processId });
            const inside = new Set(model.insideIds);
            for (const action of actions) {
              if (!driver.active) break;
              const before = driver.current;
              let timer: Timer | undefined;
              switch (action.op) {
                case 'complete': {
                  const tasks = openTasks(before);
                  if (tasks.length > 0) driver.complete(tasks[action.pick % tasks.length]);
                  continue;
                }
                case 'fireEarliest':
                  timer = nextTimer(before);
                  break;
                case 'fireSubTimeout':
                  timer = Object.values(before.timers).find((t) => t.elementId === 'SubTimeout');
                  break;
                case 'cancel': {
                  const outcome = driver.run({ type: 'cancel' });
                  expect(outcome.ok).toBe(true);
                  if (!outcome.ok) continue;
                  expect(outcome.state.status).toBe('terminated');
                  expect(sortedKeys(keysOf(outcome.effects, 'task.cancelled'))).toEqual(
                    sortedKeys(Object.keys(before.tasks)),
                  );
                  expect(sortedKeys(keysOf(outcome.effects, 'timer.cancelled'))).toEqual(
                    sortedKeys(Object.keys(before.timers)),
                  );
                  const terminated = [
                    ...keysOf(outcome.effects, 'element.terminated'),
                    before.rootKey,
                  ];
                  expect(sortedKeys(terminated)).toEqual(sortedKeys(Object.keys(before.elements)));
                  continue;
                }
              }
              if (!timer) continue;
              const sub = Object.values(before.elements).find((e) => e.elementId === 'Sub');
              const scope =
                timer.elementId === 'SubTimeout' && sub ? subtree(before, sub.key) : null;
              const outcome = driver.fire(timer);
              expect(outcome.ok).toBe(true);
              if (!outcome.ok || !scope || !sub) continue;
              // The interrupting boundary fired: Sub and everything inside it are gone ...
              const state = outcome.state;
              expect(Object.keys(state.elements).filter((k) => scope.has(k))).toEqual([]);
              expect(Object.values(state.elements).filter((e) => inside.has(e.elementId))).toEqual(
                [],
              );
              expect(
                Object.values(state.tasks).filter((t) => scope.has(t.elementInstanceKey)),
              ).toEqual([]);
              expect(
                Object.values(state.timers).filter((t) => scope.has(t.elementInstanceKey)),
              ).toEqual([]);
              expect(state.joins[sub.key]).toBeUndefined();
              // ... with an effect for each of them ...
              const scopeTasks = Object.values(before.tasks).filter((t) =>
                scope.has(t.elementInstanceKey),
              );
              expect(sortedKeys(keysOf(outcome.effects, 'task.cancelled'))).toEqual(
                sortedKeys(scopeTasks.map((t) => t.key)),
              );
              const scopeTimers = Object.values(before.timers).filter(
                (t) => scope.has(t.elementInstanceKey) && t.key !== timer.key,
              );
              expect(sortedKeys(keysOf(outcome.effects, 'timer.cancelled'))).toEqual(
                sortedKeys(scopeTimers.map((t) => t.key)),
              );
              expect(keysOf(outcome.effects, 'timer.fired')).toEqual([timer.key]);
              expect(sortedKeys(keysOf(outcome.effects, 'element.terminated'))).toEqual(
                sortedKeys(scope),
              );
              // ... the sibling outside the scope is untouched, and the escalation opened.
              for (const task of Object.values(before.tasks)) {
                if (!scope.has(task.elementInstanceKey)) expect(state.tasks[task.key]).toBe(task);
              }
              expect(
                Object.values(state.tasks).filter((t) => t.elementId === 'Escalate'),
              ).toHaveLength(1);
            }
            // Whatever happened, the sub-process never both completed and was interrupted.
            const subEnds =
              driver.count('element.completed', 'Sub') + driver.count('element.terminated', 'Sub');
            expect(subEnds).toBeLessThanOrEqual(1);
            expect(driver.count('task.created', 'Escalate')).toBeLessThanOrEqual(
              driver.count('timer.fired', 'SubTimeout'),
            );
          },
        ),
        { numRuns: 120 },
      );
    });
  });

  describe('given a recorded command sequence', () => {
    it('when it is replayed from the same start, then states and effects are deep-equal, each step is deterministic and JSON round trips change nothing', async () => {
      const arb = fc.record({
        kind: fc.constantFrom('parallel' as const, 'inclusive' as const, 'scope' as const),
        branches: branchesArb(2, 4),
        scopeBranches: scopeBranchesArb,
        picks: picksArb,
        cancelAt: fc.option(fc.nat({ max: 15 }), { freq: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(arb, fc.context(), async (input, log) => {
          const { kind, branches, scopeBranches, picks, cancelAt } = input;
          const model =
            kind === 'scope'
              ? { ...scopeModel(scopeBranches, 45), variables: {} }
              : forkJoinModel(
                  kind === 'parallel' ? 'parallelGateway' : 'inclusiveGateway',
                  branches,
                );
          const ctx = await contextFor(model.xml);
          // Record a run, including commands the engine refuses or ignores.
          const recorder = new Driver(ctx, log);
          recorder.run({ type: 'start', processRef: model.processId, variables: model.variables });
          for (let i = 0; i < 40 && recorder.active; i++) {
            if (i === cancelAt) {
              recorder.run({ type: 'cancel' });
              break;
            }
            const options = waitStates(recorder.current);
            if (options.length === 0) break;
            const pick = picks[i] ?? 0;
            const chosen = options[pick % options.length];
            if (isTask(chosen)) recorder.complete(chosen, pick % 7);
            else recorder.fire(chosen);
            if (pick % 5 === 0) recorder.run({ type: 'completeTask', taskKey: '999999' });
            if (pick % 9 === 0) recorder.run({ type: 'fireTimer', timerKey: '999999' });
          }
          const replay = () => {
            let state: InstanceState | null = null;
            return recorder.commands.map(({ command, now }) => {
              const input = state;
              try {
                const result = step(ctx, input, command, now);
                // Determinism of this very step, on the same and on a JSON round-tripped input.
                expect(step(ctx, input, command, now)).toEqual(result);
                if (input) {
                  const stored = JSON.parse(JSON.stringify(input)) as InstanceState;
                  expect(stored).toEqual(input);
                  expect(step(ctx, stored, command, now)).toEqual(result);
                }
                state = result.state;
                return result;
              } catch (error) {
                if (!(error instanceof EngineException)) throw error;
                return { code: error.code };
              }
            });
          };
          const first = replay();
          const second = replay();
          expect(second).toEqual(first);
          // ... and match what the recording run saw.
          expect(first.flatMap((r) => ('effects' in r ? [r.effects] : []))).toEqual(
            recorder.steps.map((s) => s.effects),
          );
          const last = [...first].reverse().find((r) => 'state' in r);
          expect(last && 'state' in last ? last.state : null).toEqual(recorder.state);
        }),
        { numRuns: 80 },
      );
    });
  });

  describe('given timers that already fired and tasks that were already completed', () => {
    it('when a timer key is fired again, then the very same state comes back with no effects; when a task is completed again, then TASK_NOT_FOUND and nothing changes', async () => {
      const arb = fc.record({
        kind: fc.constantFrom('parallel' as const, 'scope' as const),
        branches: branchesArb(2, 4),
        scopeBranches: scopeBranchesArb,
        picks: picksArb,
      });
      await fc.assert(
        fc.asyncProperty(arb, fc.context(), async (input, log) => {
          const { kind, branches, scopeBranches, picks } = input;
          const model =
            kind === 'scope'
              ? { ...scopeModel(scopeBranches, 45), variables: {} }
              : forkJoinModel('parallelGateway', branches);
          const driver = new Driver(await contextFor(model.xml), log);
          driver.run({ type: 'start', processRef: model.processId });
          const firedTimers: Timer[] = [];
          const doneTasks: Task[] = [];
          const replayStale = (pick: number) => {
            const state = driver.current;
            const copy = structuredClone(state);
            if (firedTimers.length > 0) {
              const timer = firedTimers[pick % firedTimers.length];
              const result = step(
                driver.ctx,
                state,
                { type: 'fireTimer', timerKey: timer.key },
                driver.now,
              );
              expect(result.state).toBe(state);
              expect(result.effects).toEqual([]);
            }
            if (doneTasks.length > 0) {
              const task = doneTasks[pick % doneTasks.length];
              let thrown: unknown = null;
              try {
                step(driver.ctx, state, { type: 'completeTask', taskKey: task.key }, driver.now);
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(EngineException);
              // Once the instance has ended, the instance check comes first.
              expect((thrown as EngineException).code).toBe(
                state.status === 'active'
                  ? EngineExceptionCode.TASK_NOT_FOUND
                  : EngineExceptionCode.INSTANCE_NOT_ACTIVE,
              );
            }
            expect(state).toEqual(copy);
          };
          for (let i = 0; i < 40 && driver.active; i++) {
            const options = waitStates(driver.current);
            if (options.length === 0) break;
            const pick = picks[i] ?? 0;
            const chosen = options[pick % options.length];
            const outcome = isTask(chosen) ? driver.complete(chosen) : driver.fire(chosen);
            expect(outcome.ok).toBe(true);
            if (isTask(chosen)) doneTasks.push(chosen);
            else firedTimers.push(chosen);
            // Timers and tasks this step cancelled are gone for good as well.
            if (outcome.ok) {
              for (const effect of outcome.effects) {
                if (effect.type === 'timer.cancelled') firedTimers.push(effect.timer);
                if (effect.type === 'task.cancelled') doneTasks.push(effect.task);
              }
            }
            replayStale(pick);
          }
          replayStale(0);
        }),
        { numRuns: 80 },
      );
    });
  });
});
