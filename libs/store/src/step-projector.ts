import type { AuditEventInput } from '@app/audit';

/**
 * A projector of an engine step's effects onto tables of its own, beside the rows the store
 * itself keeps (instances, tasks, timers, audit, outbox). The store runs every projector it was
 * given on every step and on every start of a batch, and adds their statements to the step's
 * one write batch, so they commit with the step or not at all. The ledger (@app/ledger) is one:
 * each user task opens a ledger item (挂账), its completion submits it.
 *
 * A projector is pure: it reads nothing and returns SQL with its values. Its statements run as
 * parts of one `WITH` chain against the snapshot taken before the step (see WriteBatch), after
 * the store's insert of the step's task rows, so they may refer to those rows by id.
 */
export interface StepProjector {
  /** Names the projector in errors and logs ('ledger'). */
  readonly name: string;
  project(
    created: readonly NewUserTask[],
    ended: readonly EndedUserTask[],
    step: ProjectedStep,
  ): ProjectorOutput;
}

/** The step a projector projects. */
export interface ProjectedStep {
  readonly instanceId: string;
  /** The instance's org unit (null: none). */
  readonly orgUnitId: string | null;
  /** Who made the step (a user id, or `system` / `timer` / a worker's name). */
  readonly actor: string;
  /** When (epoch ms, the step's clock reading). */
  readonly now: number;
}

/** A user task the step created (and perhaps ended in the same step). */
export interface NewUserTask {
  readonly engineKey: string;
  /** The tasks row id. */
  readonly taskId: string;
  readonly elementId: string;
  /** The task's name (the element id when it has none). */
  readonly title: string;
  /**
   * The loop item of an inner instance of a multi-instance task (a member id, when the loop
   * runs over members); null otherwise.
   */
  readonly forMember?: string | null;
  /** The element's `<bpmn:documentation>` (null when it has none). */
  readonly standard: string | null;
  /** The assignee, else the candidate users and groups joined. */
  readonly responsible: string | null;
  readonly dueAt: number | null;
  readonly ended: EndedTask | null;
}

export interface EndedTask {
  readonly state: 'completed' | 'cancelled';
  readonly variables: unknown;
}

/** A user task that was open before the step and ended in it. */
export interface EndedUserTask extends EndedTask {
  readonly engineKey: string;
  readonly elementId: string;
  /** The element's `zeebe:properties` (absent when it has none). */
  readonly properties?: Readonly<Record<string, string>>;
}

/** One statement of the batch: SQL with `$1 … $n` and its values. */
export interface ProjectorWrite {
  readonly sql: string;
  readonly params: unknown[];
}

export interface ProjectorOutput {
  readonly writes: ProjectorWrite[];
  readonly audit: AuditEventInput[];
}
