/**
 * Test support for the engine specs (imported by *.spec.ts only, never by the library):
 * loads and compiles `test/fixtures/engine/<name>.bpmn`, runs scenarios through the simulator,
 * and drives an instance command by command through `step`.
 */
import { readFileSync } from 'node:fs';
import { compileBpmn } from '@app/bpmn';
import { DEFAULT_TIME_ZONE, formatInstant, parseDateTime } from '@app/time';
import type { Command } from '../commands.js';
import { type EngineContext, registryOf } from '../context.js';
import type { Effect } from '../effects.js';
import type { InstanceState, Task, Timer, Variables } from '../state.js';
import { type StepResult, step } from '../step.js';
import type { Scenario } from '../simulation/scenario.js';
import { type SimulationResult, simulate } from '../simulation/simulate.js';

const FIXTURES = new URL('../../../../test/fixtures/engine/', import.meta.url);
const loaded = new Map<string, Promise<EngineContext>>();

/** The engine context over `test/fixtures/engine/<name>.bpmn` (compiled once per run). */
export function fixture(name: string): Promise<EngineContext> {
  let context = loaded.get(name);
  if (!context) {
    const xml = readFileSync(new URL(`${name}.bpmn`, FIXTURES), 'utf8');
    context = compileBpmn(xml).then((definitions) => ({ processes: registryOf(definitions) }));
    loaded.set(name, context);
  }
  return context;
}

/** Epoch ms of an ISO date-time (wall-clock text is read in Asia/Shanghai). */
export function at(iso: string): number {
  return parseDateTime(iso, DEFAULT_TIME_ZONE);
}

/** ISO text of an instant in Asia/Shanghai, the way the simulator prints it. */
export function iso(instant: number): string {
  return formatInstant(instant, DEFAULT_TIME_ZONE);
}

/** Runs a scenario against a fixture; the process defaults to the fixture's name. */
export async function simulateFixture(
  name: string,
  scenario: Scenario,
  processId: string = name,
): Promise<SimulationResult> {
  return simulate(await fixture(name), processId, scenario);
}

/** `type elementId` per simulated event, for compact order assertions. */
export function trace(result: SimulationResult): string[] {
  return result.events.map((event) => `${event.type} ${event.elementId}`);
}

/** The same compact form for effects (element and instance events, timers and tasks). */
export function effectTrace(effects: readonly Effect[]): string[] {
  return effects.map((effect) => {
    switch (effect.type) {
      case 'element.activated':
      case 'element.completed':
      case 'element.terminated':
        return `${effect.type} ${effect.elementId}`;
      case 'task.created':
      case 'task.completed':
      case 'task.cancelled':
        return `${effect.type} ${effect.task.elementId}`;
      case 'timer.scheduled':
      case 'timer.fired':
      case 'timer.cancelled':
        return `${effect.type} ${effect.timer.elementId}`;
      case 'incident.created':
      case 'incident.resolved':
        return `${effect.type} ${effect.incident.elementId}`;
      case 'variables.set':
        return `${effect.type} ${Object.keys(effect.variables).join(',')}`;
      case 'instance.completed':
      case 'instance.terminated':
        return `${effect.type} ${effect.processId}`;
    }
  });
}

/** Freezes an object graph, so that any write to it throws (ESM code is strict). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * One instance driven through `step`, command by command, with a clock the test moves.
 * `effects` are those of the last command.
 */
export class Driver {
  state: InstanceState;
  effects: readonly Effect[];

  private constructor(
    readonly ctx: EngineContext,
    result: StepResult,
    public now: number,
  ) {
    this.state = result.state;
    this.effects = result.effects;
  }

  static async start(
    name: string,
    options: { variables?: Variables; at?: string; processId?: string } = {},
  ): Promise<Driver> {
    const ctx = await fixture(name);
    const now = at(options.at ?? '2026-03-02T09:00:00+08:00');
    const result = step(
      ctx,
      null,
      { type: 'start', processRef: options.processId ?? name, variables: options.variables },
      now,
    );
    return new Driver(ctx, result, now);
  }

  send(command: Command): StepResult {
    const result = step(this.ctx, this.state, command, this.now);
    this.state = result.state;
    this.effects = result.effects;
    return result;
  }

  /** Open tasks of an element, in creation order. */
  tasks(elementId: string): Task[] {
    return Object.values(this.state.tasks).filter((task) => task.elementId === elementId);
  }

  task(elementId: string, index = 0): Task {
    const task = this.tasks(elementId)[index];
    if (!task) throw new Error(`no open task of '${elementId}' at index ${index}`);
    return task;
  }

  timers(elementId: string): Timer[] {
    return Object.values(this.state.timers).filter((timer) => timer.elementId === elementId);
  }

  timer(elementId: string): Timer {
    const timer = this.timers(elementId)[0];
    if (!timer) throw new Error(`no timer of '${elementId}'`);
    return timer;
  }

  complete(elementId: string, variables?: Variables, index = 0): StepResult {
    return this.send({ type: 'completeTask', taskKey: this.task(elementId, index).key, variables });
  }

  /** Moves the clock to the timer's due time (never back) and fires it. */
  fire(elementId: string): StepResult {
    const timer = this.timer(elementId);
    this.now = Math.max(this.now, timer.dueAt);
    return this.send({ type: 'fireTimer', timerKey: timer.key });
  }

  /** The instance's root variables. */
  get variables(): Variables {
    return this.state.variables[this.state.rootKey] ?? {};
  }

  /** Element ids of the live element instances (the process and MI bodies included). */
  get active(): string[] {
    return Object.values(this.state.elements).map((element) => element.elementId);
  }
}
