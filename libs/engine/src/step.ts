import type {
  CompleteTaskCommand,
  FailTaskCommand,
  Command,
  ResolveIncidentCommand,
  StartCommand,
} from './commands.js';
import type { EngineContext } from './context.js';
import type { Effect } from './effects.js';
import { EngineException, EngineExceptionCode } from './errors.js';
import { multiInstanceBody } from './behaviours/index.js';
import { Run } from './run.js';
import { type InstanceState, STATE_SCHEMA_VERSION, type Variables } from './state.js';
import { assertVariables } from './variables.js';
import type { ActivityNode } from '@app/bpmn';

export interface StepResult {
  readonly state: InstanceState;
  /** What happened, in order. Empty when the command changed nothing. */
  readonly effects: readonly Effect[];
}

/**
 * The engine: `(context, state, command, now) -> (new state, effects)`. Pure and
 * deterministic: the input state is never changed, nothing is read but the arguments. A
 * refused command throws {@link EngineException} (and changes nothing).
 */
export function step(
  ctx: EngineContext,
  state: InstanceState | null,
  command: Command,
  now: number,
): StepResult {
  if (command.type === 'start') return start(ctx, command, now);
  if (!state) {
    throw new EngineException(
      EngineExceptionCode.INSTANCE_NOT_ACTIVE,
      'there is no instance to act on',
    );
  }
  const version: unknown = state.schemaVersion;
  if (version !== STATE_SCHEMA_VERSION) {
    throw new EngineException(
      EngineExceptionCode.UNSUPPORTED_STATE,
      `instance state has schema version ${String(version)}; this engine reads ${STATE_SCHEMA_VERSION}`,
    );
  }
  if (command.type === 'fireTimer') {
    // Timers are delivered at least once: a timer that is gone has already fired or been
    // cancelled, and firing it again must change nothing.
    if (state.status !== 'active' || !state.timers[command.timerKey]) return { state, effects: [] };
  } else if (state.status !== 'active') {
    throw new EngineException(
      EngineExceptionCode.INSTANCE_NOT_ACTIVE,
      `the instance has ${state.status === 'completed' ? 'completed' : 'been terminated'}`,
    );
  }
  const run = new Run(ctx, state, now);
  switch (command.type) {
    case 'completeTask':
      completeTask(run, command);
      break;
    case 'failTask':
      failTask(run, command);
      break;
    case 'fireTimer':
      fireTimer(run, command.timerKey);
      break;
    case 'cancel':
      run.cancelInstance();
      break;
    case 'resolveIncident':
      resolveIncident(run, command);
      break;
    case 'setVariables': {
      assertVariables(command.variables);
      const key = command.scopeKey ?? run.rootKey;
      if (!run.element(key)) {
        throw new EngineException(EngineExceptionCode.SCOPE_NOT_FOUND, `no active scope '${key}'`);
      }
      run.setLocal(key, command.variables);
      run.emit({ type: 'variables.set', scopeKey: key, variables: command.variables });
      break;
    }
  }
  run.drain();
  return { state: run.snapshot(), effects: run.effects };
}

function start(ctx: EngineContext, command: StartCommand, now: number): StepResult {
  const graph = ctx.processes.byRef(command.processRef);
  if (!graph) {
    throw new EngineException(
      EngineExceptionCode.PROCESS_NOT_FOUND,
      `process '${command.processRef}' is not deployed`,
    );
  }
  const variables: Variables = command.variables ?? {};
  assertVariables(variables);
  const rootKey = '1';
  const initial: InstanceState = {
    schemaVersion: STATE_SCHEMA_VERSION,
    processRef: graph.ref,
    processId: graph.id,
    status: 'active',
    seq: 1,
    rootKey,
    startedAt: now,
    endedAt: null,
    elements: {
      [rootKey]: {
        key: rootKey,
        elementId: graph.id,
        kind: 'process',
        processRef: graph.ref,
        parentKey: null,
        state: 'active',
        activatedAt: now,
      },
    },
    variables: { [rootKey]: { ...variables } },
    tasks: {},
    timers: {},
    incidents: {},
    joins: {},
  };
  const run = new Run(ctx, initial, now);
  const root = initial.elements[rootKey];
  if (!root) throw new Error('unreachable');
  if (command.startEventId !== undefined) {
    const node = graph.nodes[command.startEventId];
    if (node?.kind !== 'startEvent' || node.scope !== graph.id) {
      throw new EngineException(
        EngineExceptionCode.INVALID_START,
        `'${command.startEventId}' is not a start event of process '${graph.id}'`,
      );
    }
    run.enqueueActivate(node.id, rootKey, graph.ref);
  } else if (graph.noneStartEvent !== null) {
    run.enqueueActivate(graph.noneStartEvent, rootKey, graph.ref);
  } else if (graph.timerStartEvents.length > 0) {
    for (const id of graph.timerStartEvents) {
      const node = graph.nodes[id];
      if (node?.kind !== 'startEvent' || !node.timer) continue;
      const ok = run.attempt(root, 'activate', null, () =>
        run.scheduleTimer(node.timer as NonNullable<typeof node.timer>, root, id, 'start'),
      );
      if (!ok) {
        throw new EngineException(
          EngineExceptionCode.INVALID_START,
          `the timer of start event '${id}' cannot be scheduled: ${Object.values(run.incidents)[0]?.message ?? ''}`,
        );
      }
    }
  } else {
    throw new EngineException(
      EngineExceptionCode.INVALID_START,
      `process '${graph.id}' has no start event to start at`,
    );
  }
  run.drain();
  return { state: run.snapshot(), effects: run.effects };
}

function completeTask(run: Run, command: CompleteTaskCommand): void {
  const task = run.tasks[command.taskKey];
  if (!task) {
    throw new EngineException(
      EngineExceptionCode.TASK_NOT_FOUND,
      `there is no open task '${command.taskKey}' (it was completed, cancelled, or never existed)`,
    );
  }
  const variables = command.variables ?? {};
  assertVariables(variables);
  delete run.tasks[task.key];
  run.emit({ type: 'task.completed', task, variables });
  const instance = run.element(task.elementInstanceKey);
  if (instance) run.completeElement(instance, { variables });
}

function failTask(run: Run, command: FailTaskCommand): void {
  const task = run.tasks[command.taskKey];
  if (!task) {
    throw new EngineException(
      EngineExceptionCode.TASK_NOT_FOUND,
      `there is no open task '${command.taskKey}' (it was completed, cancelled, or never existed)`,
    );
  }
  delete run.tasks[task.key];
  run.emit({ type: 'task.cancelled', task });
  run.raiseIncident(task.elementInstanceKey, command.message, 'activate', null);
}

function fireTimer(run: Run, timerKey: string): void {
  const timer = run.timers[timerKey];
  if (!timer) return;
  delete run.timers[timerKey];
  run.emit({ type: 'timer.fired', timer });
  const owner = run.element(timer.elementInstanceKey);
  if (!owner) return;
  switch (timer.purpose) {
    case 'catch':
      run.completeElement(owner);
      return;
    case 'boundary': {
      const boundary = run.graph(timer.processRef).nodes[timer.elementId];
      if (boundary?.kind !== 'boundaryEvent' || owner.parentKey === null) return;
      if (boundary.cancelActivity) run.terminate(owner.key);
      else run.rescheduleCycle(timer);
      run.enqueueActivate(boundary.id, owner.parentKey, owner.processRef);
      return;
    }
    case 'start':
      run.cancelOwnedTimers(owner.key);
      run.enqueueActivate(timer.elementId, owner.key, owner.processRef);
      return;
  }
}

function resolveIncident(run: Run, command: ResolveIncidentCommand): void {
  const incident = run.incidents[command.incidentKey];
  if (!incident) {
    throw new EngineException(
      EngineExceptionCode.INCIDENT_NOT_FOUND,
      `there is no open incident '${command.incidentKey}'`,
    );
  }
  const instance = run.element(incident.elementInstanceKey);
  delete run.incidents[incident.key];
  run.emit({ type: 'incident.resolved', incident });
  if (!instance) return;
  if (command.variables) {
    assertVariables(command.variables);
    run.setVariables(instance.parentKey ?? instance.key, command.variables);
  }
  const active = { ...instance, state: 'active' as const };
  run.elements[instance.key] = active;
  const node = run.node(active);
  switch (incident.retry) {
    case 'activate':
      run.runActivation(active, node);
      break;
    case 'complete':
      run.completeElement(active, incident.variables ? { variables: incident.variables } : {});
      break;
    case 'continue':
      multiInstanceBody.proceed(run, active, node as ActivityNode, incident.variables ?? {});
      break;
  }
}
