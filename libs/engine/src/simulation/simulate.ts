import type { JsonValue } from '@app/feel';
import {
  TimeExpressionError,
  addDuration,
  formatInstant,
  parseDateTime,
  parseDuration,
} from '@app/time';
import { type EngineContext, contextZone } from '../context.js';
import type { Effect } from '../effects.js';
import { EngineException } from '../errors.js';
import { type DisplayState, displayState, nextTimer, openTasks } from '../queries.js';
import type { InstanceState } from '../state.js';
import { step } from '../step.js';
import { type Scenario, ScenarioError, parseScenario } from './scenario.js';

export type SimulationEventType =
  | 'element.activated'
  | 'element.completed'
  | 'element.terminated'
  | 'timer.fired'
  | 'instance.completed'
  | 'instance.terminated'
  | 'incident';

export interface SimulationResult {
  readonly state: DisplayState;
  readonly now: string;
  readonly openTasks: readonly {
    readonly elementId: string;
    readonly name: string | null;
    readonly assignee: string | null;
    readonly candidateGroups: readonly string[];
    readonly dueAt: string | null;
  }[];
  readonly incidents: readonly { readonly elementId: string; readonly message: string }[];
  readonly events: readonly {
    readonly at: string;
    readonly type: SimulationEventType;
    readonly elementId: string;
  }[];
  readonly variables: Readonly<Record<string, JsonValue>>;
}

/** Upper bound on timer firings in one clock move, against cycles that never end. */
const MAX_FIRINGS = 100_000;

/**
 * Runs a scenario in memory: starts the process at `start.at`, then completes tasks and moves
 * the clock, firing every timer that falls due, in due order, each at its own due time. The
 * scenario is checked first (it may come straight from JSON): a bad one is a ScenarioError.
 */
export function simulate(
  ctx: EngineContext,
  processRef: string,
  input: Scenario,
): SimulationResult {
  const scenario = parseScenario(input);
  const zone = contextZone(ctx);
  const events: { at: string; type: SimulationEventType; elementId: string }[] = [];
  let now = time(() => parseDateTime(scenario.start.at, zone), '"start.at"');
  let state: InstanceState;

  const apply = (result: { state: InstanceState; effects: readonly Effect[] }) => {
    state = result.state;
    const at = formatInstant(now, zone);
    for (const effect of result.effects) {
      const event = toEvent(effect);
      if (event) events.push({ at, ...event });
    }
  };
  const advanceTo = (target: number, where: string) => {
    for (let fired = 0; ; fired++) {
      const timer = nextTimer(state);
      if (!timer || timer.dueAt > target) break;
      if (fired >= MAX_FIRINGS) {
        throw new ScenarioError(
          `${where}: more than ${MAX_FIRINGS} timers fell due; does a cycle repeat without end?`,
        );
      }
      now = Math.max(now, timer.dueAt);
      apply(step(ctx, state, { type: 'fireTimer', timerKey: timer.key }, now));
    }
    now = Math.max(now, target);
  };

  apply(
    engine('start', () =>
      step(ctx, null, { type: 'start', processRef, variables: scenario.start.variables }, now),
    ),
  );
  advanceTo(now, 'start');
  scenario.steps.forEach((item, i) => {
    const where = `step ${i + 1}`;
    if ('complete' in item) {
      const index = item.index ?? 0;
      const candidates = openTasks(state).filter((task) => task.elementId === item.complete);
      const task = candidates[index];
      if (!task) {
        const open = openTasks(state).map((t) => t.elementId);
        throw new ScenarioError(
          `${where}: there is no open task of element '${item.complete}'${index > 0 ? ` at index ${index} (${candidates.length} open)` : ''}; open tasks: ${open.length > 0 ? open.join(', ') : 'none'}; instance is ${displayState(state)}`,
        );
      }
      apply(
        engine(where, () =>
          step(
            ctx,
            state,
            { type: 'completeTask', taskKey: task.key, variables: item.variables },
            now,
          ),
        ),
      );
      advanceTo(now, where);
    } else if ('advance' in item) {
      const duration = time(() => parseDuration(item.advance), `${where}: "advance"`);
      advanceTo(addDuration(now, duration, zone), where);
    } else {
      const target = time(() => parseDateTime(item.advanceTo, zone), `${where}: "advanceTo"`);
      if (target < now) {
        throw new ScenarioError(
          `${where}: advanceTo ${item.advanceTo} is before the simulated time ${formatInstant(now, zone)}`,
        );
      }
      advanceTo(target, where);
    }
  });

  const final = state!;
  return {
    state: displayState(final),
    now: formatInstant(now, zone),
    openTasks: openTasks(final).map((task) => ({
      elementId: task.elementId,
      name: task.name,
      assignee: task.assignee,
      candidateGroups: task.candidateGroups,
      dueAt: task.dueAt === null ? null : formatInstant(task.dueAt, zone),
    })),
    incidents: Object.values(final.incidents).map((incident) => ({
      elementId: incident.elementId,
      message: incident.message,
    })),
    events,
    variables: final.variables[final.rootKey] ?? {},
  };
}

function toEvent(effect: Effect): { type: SimulationEventType; elementId: string } | null {
  switch (effect.type) {
    case 'element.activated':
    case 'element.completed':
    case 'element.terminated':
      return { type: effect.type, elementId: effect.elementId };
    case 'timer.fired':
      return { type: 'timer.fired', elementId: effect.timer.elementId };
    case 'instance.completed':
    case 'instance.terminated':
      return { type: effect.type, elementId: effect.processId };
    case 'incident.created':
      return { type: 'incident', elementId: effect.incident.elementId };
    case 'task.created':
    case 'task.completed':
    case 'task.cancelled':
    case 'timer.scheduled':
    case 'timer.cancelled':
    case 'incident.resolved':
    case 'variables.set':
      return null;
  }
}

function engine<T>(where: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof EngineException) throw new ScenarioError(`${where}: ${error.message}`);
    throw error;
  }
}

function time<T>(action: () => T, where: string): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof TimeExpressionError) throw new ScenarioError(`${where}: ${error.message}`);
    throw error;
  }
}
