import type { InstanceState, Task } from './state.js';

/** The state a caller sees: an unresolved incident shows as `incident`. */
export type DisplayState = 'active' | 'completed' | 'terminated' | 'incident';

export function displayState(state: InstanceState): DisplayState {
  if (state.status !== 'active') return state.status;
  return Object.keys(state.incidents).length > 0 ? 'incident' : 'active';
}

/** Open tasks (user tasks and service-task jobs) in creation order. */
export function openTasks(state: InstanceState): Task[] {
  return Object.values(state.tasks);
}

/** The next timer to fall due (earliest; ties in creation order), if any. */
export function nextTimer(state: InstanceState): InstanceState['timers'][string] | undefined {
  let next: InstanceState['timers'][string] | undefined;
  for (const timer of Object.values(state.timers))
    if (!next || timer.dueAt < next.dueAt) next = timer;
  return next;
}
