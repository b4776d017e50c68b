import type { Variables } from './state.js';

/** What a caller asks the engine to do with an instance. */
export type Command =
  | StartCommand
  | CompleteTaskCommand
  | FailTaskCommand
  | FireTimerCommand
  | CancelCommand
  | ResolveIncidentCommand
  | SetVariablesCommand;

export interface StartCommand {
  readonly type: 'start';
  /** Ref of the process graph to start (see ProcessGraph.ref). */
  readonly processRef: string;
  readonly variables?: Variables;
  /**
   * Start at this start event. Default: the none start event; a process with timer start
   * events only waits for the first of them to fire.
   */
  readonly startEventId?: string;
}

/** Completes an open user task, or reports a service task's job as done. */
export interface CompleteTaskCommand {
  readonly type: 'completeTask';
  readonly taskKey: string;
  readonly variables?: Variables;
}

/**
 * Reports that a service task's job failed for good (its retries are spent, or the handler
 * refused the input): the task is withdrawn and an incident raised on its element; resolving
 * the incident activates the element again, which creates a new task (a new job).
 */
export interface FailTaskCommand {
  readonly type: 'failTask';
  readonly taskKey: string;
  /** Why the job failed, shown on the incident. */
  readonly message: string;
}

/** Fires a timer; a timer that no longer exists is ignored (at-least-once delivery). */
export interface FireTimerCommand {
  readonly type: 'fireTimer';
  readonly timerKey: string;
}

export interface CancelCommand {
  readonly type: 'cancel';
  /** Why, as the person who cancelled said it: kept in the audit, the engine ignores it. */
  readonly reason?: string;
}

/** Retries what failed; the variables (if any) are set first, from the element's scope up. */
export interface ResolveIncidentCommand {
  readonly type: 'resolveIncident';
  readonly incidentKey: string;
  readonly variables?: Variables;
}

/** Sets variables on the root scope (or an element instance's scope, locally). */
export interface SetVariablesCommand {
  readonly type: 'setVariables';
  readonly variables: Variables;
  readonly scopeKey?: string;
}
