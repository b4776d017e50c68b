/**
 * Drives the member-development template in memory through the pure engine with a clock the
 * test moves (no database, no queues): timers fire in due order as the clock passes them, and
 * `member-status` service tasks are completed at once, each status change recorded with the
 * simulated time and the stage it came after.
 */
import {
  type Effect,
  type EngineContext,
  type InstanceState,
  type Task,
  type Variables,
  nextTimer,
  step,
} from '@app/engine';
import type { JsonValue } from '@app/feel';
import {
  DEFAULT_TIME_ZONE,
  addDuration,
  formatInstant,
  parseDateTime,
  parseDuration,
} from '@app/time';
import { TEMPLATES, TemplateWalk, loadForm } from './template-harness.js';
import { validateForm } from '../../../apps/api/src/tasks/forms/form-validation.js';

export { TEMPLATES, loadForm };
export const BPMN_FILE = new URL('member-development.bpmn', TEMPLATES);
export const PROCESS_ID = 'member-development';

const template = new TemplateWalk(PROCESS_ID, '2026-03-02T09:00:00+08:00');

/** The engine context over process-templates/member-development.bpmn (compiled once). */
export function templateContext(): Promise<EngineContext> {
  return template.context();
}

/** Epoch ms of an ISO date or date-time (wall-clock text is read in Asia/Shanghai). */
export function at(text: string): number {
  return parseDateTime(text, DEFAULT_TIME_ZONE);
}

export function iso(instant: number): string {
  return formatInstant(instant, DEFAULT_TIME_ZONE);
}

export interface StatusChange {
  readonly status: string;
  /** Simulated time of the change. */
  readonly at: string;
  /** The status service task's element id. */
  readonly elementId: string;
}

/** One instance of the template, with the simulated clock. */
export class MemberDevelopment {
  readonly statuses: StatusChange[] = [];
  /** `element.activated <id>` and the like, for every step so far, in order. */
  readonly trace: string[] = [];

  private constructor(
    private readonly ctx: EngineContext,
    public state: InstanceState,
    public now: number,
  ) {}

  static async start(variables: Variables, startAt: string): Promise<MemberDevelopment> {
    const ctx = await templateContext();
    const now = at(startAt);
    const result = step(ctx, null, { type: 'start', processRef: PROCESS_ID, variables }, now);
    const walk = new MemberDevelopment(ctx, result.state, now);
    walk.record(result.effects);
    walk.settle();
    return walk;
  }

  get variables(): Readonly<Record<string, JsonValue>> {
    return this.state.variables[this.state.rootKey] ?? {};
  }

  get status(): InstanceState['status'] {
    return this.state.status;
  }

  get incidents(): string[] {
    return Object.values(this.state.incidents).map((i) => `${i.elementId}: ${i.message}`);
  }

  /** Open user tasks of an element (all elements when omitted), in creation order. */
  tasks(elementId?: string): Task[] {
    return Object.values(this.state.tasks).filter(
      (task) => task.kind === 'user' && (elementId === undefined || task.elementId === elementId),
    );
  }

  /** Element ids of the open user tasks, sorted, without duplicates. */
  openTaskIds(): string[] {
    return [...new Set(this.tasks().map((task) => task.elementId))].sort();
  }

  task(elementId: string): Task {
    const task = this.tasks(elementId)[0];
    if (!task) {
      throw new Error(
        `no open task of '${elementId}' at ${iso(this.now)}; open: ${this.openTaskIds().join(', ') || 'none'}; incidents: ${this.incidents.join('; ') || 'none'}`,
      );
    }
    return task;
  }

  /** Moves the clock to `when` (never back), firing every timer due by then, in due order. */
  advanceTo(when: string): this {
    const target = at(when);
    if (target < this.now) throw new Error(`${when} is before ${iso(this.now)}`);
    for (let fired = 0; ; fired++) {
      const timer = nextTimer(this.state);
      if (!timer || timer.dueAt > target) break;
      if (fired > 10_000) throw new Error('timers without end');
      this.now = Math.max(this.now, timer.dueAt);
      this.apply({ type: 'fireTimer', timerKey: timer.key });
    }
    this.now = target;
    return this;
  }

  advance(duration: string): this {
    return this.advanceTo(iso(addDuration(this.now, parseDuration(duration), DEFAULT_TIME_ZONE)));
  }

  /** Completes the first open task of the element at `when` (default: now). */
  complete(elementId: string, variables: Variables = {}, when?: string): this {
    if (when !== undefined) this.advanceTo(when);
    this.apply({ type: 'completeTask', taskKey: this.task(elementId).key, variables });
    return this;
  }

  /** Completes every open task of the element with variables made from its position. */
  completeAll(elementId: string, variables: (index: number) => Variables): number {
    let index = 0;
    while (this.tasks(elementId).length > 0) this.complete(elementId, variables(index++));
    return index;
  }

  /** How many `element.activated <elementId>` the trace holds from position `from` on. */
  activations(elementId: string, from = 0): number {
    return this.trace.slice(from).filter((line) => line === `element.activated ${elementId}`)
      .length;
  }

  private apply(command: Parameters<typeof step>[2]): void {
    const result = step(this.ctx, this.state, command, this.now);
    this.state = result.state;
    this.record(result.effects);
    this.settle();
  }

  /** Completes open member-status jobs as the worker's handler would (no variables back). */
  private settle(): void {
    for (;;) {
      const job = Object.values(this.state.tasks).find(
        (task) => task.kind === 'service' && task.jobType === 'member-status',
      );
      if (!job) return;
      this.statuses.push({
        status: job.headers.status ?? '',
        at: iso(this.now),
        elementId: job.elementId,
      });
      const result = step(
        this.ctx,
        this.state,
        { type: 'completeTask', taskKey: job.key, variables: {} },
        this.now,
      );
      this.state = result.state;
      this.record(result.effects);
    }
  }

  private record(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (
        effect.type === 'element.activated' ||
        effect.type === 'element.completed' ||
        effect.type === 'element.terminated'
      ) {
        this.trace.push(`${effect.type} ${effect.elementId}`);
      } else if (effect.type === 'timer.fired') {
        this.trace.push(`timer.fired ${effect.timer.elementId}`);
      }
    }
  }
}

/** What the api's form validation says about a completion (field names of the problems). */
export function formProblems(
  formId: string,
  submitted: Readonly<Record<string, JsonValue>>,
  current: Readonly<Record<string, JsonValue>> = {},
  now = at('2027-07-01T10:00:00'),
): ReturnType<typeof validateForm> {
  return validateForm(loadForm(formId), {
    submitted,
    current,
    feel: { now, zone: DEFAULT_TIME_ZONE },
  });
}
