import type { EngineContext, InstanceState, Variables, displayState } from '@app/engine';
import type { OutboxRow } from '@app/queue';
import type { EntityManager } from 'typeorm';
import type { StepProjector } from './step-projector.js';
import type { OpenTaskRow } from './tasks.repository.js';

export interface RuntimeOptions {
  readonly timeZone: string;
  /** Default reminder offsets before a task's due date, e.g. ['P3D', 'P1D', 'PT0S']. */
  readonly reminderOffsets: readonly string[];
  /**
   * What each step is projected onto besides the store's own tables, in order: in the api and
   * the worker, the ledger (RuntimeModule wires `ledgerProjector` of @app/ledger).
   */
  readonly projectors: readonly StepProjector[];
  /** Instances kept for one-round-trip completions (see StepCache); default 10,000, 0: none. */
  readonly stepCacheSize?: number;
  /** How deep called processes nest (CALL_ACTIVITY_MAX_DEPTH); the engine's default: 10. */
  readonly callActivityMaxDepth?: number;
  /** Elements one step may activate (STEP_MAX_ACTIVATIONS); the engine's default: 10,000. */
  readonly stepMaxActivations?: number;
  /** What one FEEL evaluation may cost (FEEL_* variables); the engine's default otherwise. */
  readonly feelLimits?: EngineContext['feelLimits'];
  /** Timer cycle limits (TIMER_* variables) for cycles computed at run time. */
  readonly timerLimits?: EngineContext['timerLimits'];
}

/** Delivers committed outbox rows; absent in processes that leave it to the reconciler. */
export interface OutboxKick {
  deliverAfterCommit(
    rows: readonly OutboxRow[],
    onFailure: (message: string, error: unknown) => void,
  ): Promise<void>;
}

export interface StartInput {
  readonly templateKey: string;
  readonly businessKey?: string | null;
  readonly orgUnitId?: string | null;
  readonly variables?: Variables;
}

/** The instance as the step committed it. */
export interface InstanceSummary {
  readonly id: string;
  readonly templateKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly orgUnitId: string | null;
  readonly state: ReturnType<typeof displayState>;
  readonly engineState: InstanceState;
  readonly startedBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly endedAt: Date | null;
  /** The root scope's variables. */
  readonly variables: InstanceState['variables'][string];
  /**
   * Its open tasks after the step, in creation order: always after `start`; after `execute`
   * and `completeTask` when asked for (`openTasks: true`), else undefined.
   */
  readonly openTasks?: readonly OpenTaskRow[];
}

/** The task a completion is for, as its row is when locked. */
export interface LockedTask {
  readonly id: string;
  readonly instanceId: string;
  readonly kind: 'user' | 'service';
  readonly state: 'open' | 'completed' | 'cancelled';
  readonly claimedBy: string | null;
  readonly formKey: string | null;
  readonly assignee: string | null;
  readonly candidateGroups: readonly string[];
  readonly candidateUsers: readonly string[];
  /** The instance's org unit. */
  readonly orgUnitId: string | null;
  /** The task's element and the process (deployed version) it belongs to, from the engine state. */
  readonly elementId: string | null;
  readonly processRef: string | null;
}

export interface StepOptions {
  /** List the instance's open tasks in the result (read in the step's write statement). */
  readonly openTasks?: boolean;
}

export interface CompleteTaskOptions extends StepOptions {
  /**
   * Runs before the engine step on the task and the instance's variables as they are locked —
   * or, for a completion from the cache, as cached, and then again on the locked rows if it
   * refuses there (only the locked rows' verdict stands). May refuse by throwing (e.g. a claim
   * by someone else, form values that do not fit). The default refuses a task that is not
   * open (TASK_NOT_OPEN). Reads it needs go through `manager`: on the locked path, the step's
   * own connection (a step never waits for a second connection of the pool, which could all be
   * held by steps waiting the same way).
   */
  readonly check?: (
    task: LockedTask,
    variables: InstanceState['variables'][string],
    manager: EntityManager,
  ) => void | Promise<void>;
}
