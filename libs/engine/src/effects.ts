import type { Incident, Task, Timer, Variables } from './state.js';

/**
 * What a step did, in order: the shell persists and delivers these (tasks to inboxes, timers
 * to the scheduler, events to the audit trail). The engine itself does no I/O.
 */
export type Effect =
  | ElementEffect
  | { readonly type: 'task.created'; readonly task: Task }
  | { readonly type: 'task.completed'; readonly task: Task; readonly variables: Variables }
  | { readonly type: 'task.cancelled'; readonly task: Task }
  | { readonly type: 'timer.scheduled'; readonly timer: Timer }
  | { readonly type: 'timer.fired'; readonly timer: Timer }
  | { readonly type: 'timer.cancelled'; readonly timer: Timer }
  | { readonly type: 'incident.created'; readonly incident: Incident }
  | { readonly type: 'incident.resolved'; readonly incident: Incident }
  | { readonly type: 'variables.set'; readonly scopeKey: string; readonly variables: Variables }
  | { readonly type: 'instance.completed'; readonly processId: string }
  | { readonly type: 'instance.terminated'; readonly processId: string };

export interface ElementEffect {
  readonly type: 'element.activated' | 'element.completed' | 'element.terminated';
  readonly elementInstanceKey: string;
  readonly elementId: string;
  readonly bpmnType: string;
  readonly processRef: string;
}

export type EffectType = Effect['type'];
