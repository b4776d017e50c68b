import type { JsonValue } from '@app/feel';

/** Bumped whenever the shape below changes; stored with every instance. */
export const STATE_SCHEMA_VERSION = 1;

export type Variables = Readonly<Record<string, JsonValue>>;

export type InstanceStatus = 'active' | 'completed' | 'terminated';

/**
 * The whole state of one process instance: a plain, JSON-serialisable object. Maps are keyed
 * by engine keys (decimal strings from `seq`), so iterating one yields creation order.
 */
export interface InstanceState {
  readonly schemaVersion: typeof STATE_SCHEMA_VERSION;
  /** Ref of the root process graph (see ProcessGraph.ref). */
  readonly processRef: string;
  readonly processId: string;
  readonly status: InstanceStatus;
  /** Last key handed out. */
  readonly seq: number;
  readonly rootKey: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** Live element instances, the root process included. */
  readonly elements: Readonly<Record<string, ElementInstance>>;
  /** Variables per scope (element instance key); the root's are the instance's variables. */
  readonly variables: Readonly<Record<string, Variables>>;
  readonly tasks: Readonly<Record<string, Task>>;
  readonly timers: Readonly<Record<string, Timer>>;
  readonly incidents: Readonly<Record<string, Incident>>;
  /** Tokens waiting at converging gateways: scope key -> gateway id -> flow id -> count. */
  readonly joins: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>
  >;
}

export type ElementInstanceKind = 'process' | 'multiInstanceBody' | 'flowNode';

export interface ElementInstance {
  readonly key: string;
  /** The BPMN element id (for a process: the process id). */
  readonly elementId: string;
  readonly kind: ElementInstanceKind;
  /** The graph this element belongs to (differs from the root's inside a called process). */
  readonly processRef: string;
  /** The enclosing element instance (flow scope); null for the root. */
  readonly parentKey: string | null;
  /** `incident`: blocked until the incident is resolved. */
  readonly state: 'active' | 'incident';
  readonly activatedAt: number;
  /** Multi-instance inner instances: 1-based position in the collection. */
  readonly loopCounter?: number;
  /** Multi-instance bodies: the collection and progress. */
  readonly multiInstance?: MultiInstanceProgress;
}

export interface MultiInstanceProgress {
  readonly items: readonly JsonValue[];
  /** How many inner instances have been activated so far. */
  readonly activated: number;
  readonly completed: number;
}

export type TaskKind = 'user' | 'service';

/** A unit of work waiting outside the engine: a user task, or a service task's job. */
export interface Task {
  readonly key: string;
  readonly kind: TaskKind;
  readonly elementId: string;
  readonly elementInstanceKey: string;
  readonly processRef: string;
  readonly name: string | null;
  /**
   * For an inner instance of a multi-instance activity whose input element is text (a member
   * id, say): that text, so the shell can name the task after whom it is for. Absent otherwise.
   */
  readonly loopItem?: string;
  readonly createdAt: number;
  readonly assignee: string | null;
  readonly candidateGroups: readonly string[];
  readonly candidateUsers: readonly string[];
  readonly dueAt: number | null;
  readonly followUpAt: number | null;
  readonly formKey: string | null;
  readonly formId: string | null;
  readonly priority: number | null;
  /** Service tasks: the handler type, retries and static headers. */
  readonly jobType: string | null;
  readonly retries: number | null;
  readonly headers: Readonly<Record<string, string>>;
}

export type TimerPurpose = 'catch' | 'boundary' | 'start';

export interface Timer {
  readonly key: string;
  /** The timer event's element id. */
  readonly elementId: string;
  /** The owner: the catch event's instance, the boundary's host, or the root (start). */
  readonly elementInstanceKey: string;
  readonly processRef: string;
  readonly purpose: TimerPurpose;
  readonly dueAt: number;
  /** For time cycles: the resolved cycle text, its anchor and which firing this is. */
  readonly cycle: { readonly text: string; readonly anchor: number; readonly index: number } | null;
}

/**
 * What resolving an incident retries: the element's activation, its completion, or (for a
 * multi-instance body) deciding how to go on after an inner instance completed.
 */
export type IncidentRetry = 'activate' | 'complete' | 'continue';

export interface Incident {
  readonly key: string;
  readonly elementInstanceKey: string;
  readonly elementId: string;
  readonly message: string;
  readonly createdAt: number;
  /** What resolving the incident retries. */
  readonly retry: IncidentRetry;
  /**
   * For a failed completion: the variables it carried; for a failed multi-instance decision
   * (`continue`): the local variables of the inner instance whose completion it followed.
   */
  readonly variables: Variables | null;
}
