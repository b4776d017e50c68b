import { appendAudit } from '@app/audit';
import {
  type Command,
  type EngineContext,
  EngineException,
  EngineExceptionCode,
  type InstanceState,
  type StartCommand,
  type StepResult,
  type Variables,
  displayState,
  step,
} from '@app/engine';
import { writeOutbox } from '@app/queue';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from './clock.js';
import type { DefinitionCache } from './definition-cache.js';
import { projectEffects, rootVariables } from './effects-projection.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';

export interface RuntimeOptions {
  readonly timeZone: string;
  /** Default reminder offsets before a task's due date, e.g. ['P3D', 'P1D', 'PT0S']. */
  readonly reminderOffsets: readonly string[];
}

/** Delivers committed outbox rows; absent in processes that leave it to the reconciler. */
export interface OutboxKick {
  dispatch(options: { ids: readonly string[] }): Promise<number>;
}

export interface StartInput {
  readonly templateKey: string;
  readonly businessKey?: string | null;
  readonly orgUnitId?: string | null;
  readonly variables?: Variables;
}

export interface InstanceSummary {
  readonly id: string;
  readonly templateKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly orgUnitId: string | null;
  readonly state: ReturnType<typeof displayState>;
  readonly engineState: InstanceState;
}

interface InstanceRow {
  id: string;
  template_key: string;
  version: number;
  business_key: string | null;
  org_unit_id: string | null;
  engine_state: InstanceState;
}

type InstanceCommand = Exclude<Command, StartCommand>;

/**
 * Applies engine steps durably. Each step is one transaction: lock the instance row, run the
 * pure engine, write the new state and the rows its effects imply (tasks, timers, audit
 * events, outbox jobs), commit; then hand the outbox rows to the dispatcher. Nothing else
 * writes instance state.
 */
export class InstanceRuntime {
  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly options: RuntimeOptions,
    private readonly outbox: OutboxKick | null,
    private readonly onDispatchError: (error: unknown) => void = () => undefined,
  ) {}

  private context(): EngineContext {
    return { processes: this.definitions, timeZone: this.options.timeZone };
  }

  async start(input: StartInput, actor: string): Promise<InstanceSummary> {
    const now = this.clock.now();
    await this.definitions.ensure([]);
    const graph = this.definitions.latest(input.templateKey);
    if (!graph) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
        `no template '${input.templateKey}' is deployed`,
      );
    }
    const result = engine(() =>
      step(
        this.context(),
        null,
        { type: 'start', processRef: graph.ref, variables: input.variables },
        now,
      ),
    );
    const version = Number(graph.ref.slice(graph.ref.lastIndexOf(':') + 1));
    const { summary, outboxIds } = await this.transaction(async (manager) => {
      let row: { id: string } | undefined;
      try {
        [row] = await manager.query<{ id: string }[]>(
          `INSERT INTO process_instances (definition_id, template_key, version, business_key, org_unit_id, state,
             engine_state, variables, started_by, created_at, updated_at, ended_at)
           SELECT id, key, version, $3, $4, $5, $6, $7, $8, $9, $9, $10
             FROM process_definitions WHERE key = $1 AND version = $2
           RETURNING id`,
          [
            input.templateKey,
            version,
            input.businessKey ?? null,
            input.orgUnitId ?? null,
            displayState(result.state),
            JSON.stringify(result.state),
            JSON.stringify(rootVariables(result.state)),
            actor,
            new Date(now),
            result.state.endedAt === null ? null : new Date(result.state.endedAt),
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error, 'process_instances_business_key_uq')) {
          throw new RuntimeException(
            RuntimeExceptionCode.DUPLICATE_BUSINESS_KEY,
            `an instance of '${input.templateKey}' with business key '${input.businessKey ?? ''}' already exists`,
          );
        }
        throw error;
      }
      if (!row) throw new Error(`definition ${graph.ref} vanished`);
      const started = {
        type: 'instance.started',
        actor,
        instanceId: row.id,
        elementId: null,
        at: now,
        data: {
          templateKey: input.templateKey,
          version,
          businessKey: input.businessKey ?? null,
          orgUnitId: input.orgUnitId ?? null,
          variables: input.variables ?? {},
        },
      };
      const ids = await this.persistEffects(manager, row.id, result, actor, now, [started]);
      return {
        summary: {
          id: row.id,
          templateKey: input.templateKey,
          version,
          businessKey: input.businessKey ?? null,
          orgUnitId: input.orgUnitId ?? null,
          state: displayState(result.state),
          engineState: result.state,
        },
        outboxIds: ids,
      };
    });
    await this.kick(outboxIds);
    return summary;
  }

  /**
   * Runs one command against an instance. `before` (optional) runs inside the transaction
   * with the row locked, e.g. to re-check a task row, and may refuse by throwing.
   */
  async execute(
    instanceId: string,
    command: InstanceCommand,
    actor: string,
    before?: (manager: EntityManager, state: InstanceState) => Promise<void>,
  ): Promise<InstanceSummary> {
    const { summary, outboxIds } = await this.transaction(async (manager) => {
      const [row] = await manager.query<InstanceRow[]>(
        `SELECT id, template_key, version, business_key, org_unit_id, engine_state
           FROM process_instances WHERE id = $1 FOR UPDATE`,
        [instanceId],
      );
      if (!row) {
        throw new RuntimeException(
          RuntimeExceptionCode.INSTANCE_NOT_FOUND,
          `no instance '${instanceId}'`,
        );
      }
      if (before) await before(manager, row.engine_state);
      const now = this.clock.now();
      await this.definitions.ensure(refsOf(row.engine_state), manager);
      const result = engine(() => step(this.context(), row.engine_state, command, now));
      const summary: InstanceSummary = {
        id: row.id,
        templateKey: row.template_key,
        version: row.version,
        businessKey: row.business_key,
        orgUnitId: row.org_unit_id,
        state: displayState(result.state),
        engineState: result.state,
      };
      if (result.effects.length === 0) return { summary, outboxIds: [] };
      await manager.query(
        `UPDATE process_instances
            SET engine_state = $2, state = $3, variables = $4, revision = revision + 1, updated_at = $5, ended_at = $6
          WHERE id = $1`,
        [
          row.id,
          JSON.stringify(result.state),
          displayState(result.state),
          JSON.stringify(rootVariables(result.state)),
          new Date(now),
          result.state.endedAt === null ? null : new Date(result.state.endedAt),
        ],
      );
      const extra =
        command.type === 'cancel'
          ? [
              {
                type: 'instance.cancelled',
                actor,
                instanceId: row.id,
                elementId: null,
                at: now,
                data: {},
              },
            ]
          : [];
      const ids = await this.persistEffects(manager, row.id, result, actor, now, extra);
      return { summary, outboxIds: ids };
    });
    await this.kick(outboxIds);
    return summary;
  }

  /** Completes a task by its row id; 409-style refusals when it is no longer open. */
  async completeTask(
    taskId: string,
    variables: Variables,
    actor: string,
  ): Promise<InstanceSummary> {
    const task = await this.openTask(taskId);
    return this.execute(
      task.instance_id,
      { type: 'completeTask', taskKey: task.engine_key, variables },
      actor,
      async (manager) => {
        const [current] = await manager.query<{ state: string }[]>(
          `SELECT state FROM tasks WHERE id = $1`,
          [taskId],
        );
        if (current?.state !== 'open') {
          throw new RuntimeException(
            RuntimeExceptionCode.TASK_NOT_OPEN,
            `task '${taskId}' is already ${current?.state ?? 'gone'}`,
          );
        }
      },
    );
  }

  /**
   * Withdraws a service task whose job failed for good and raises an incident on its element
   * (resolving it creates a new job). A task no longer open is refused like a completion.
   */
  async failTask(taskId: string, message: string, actor: string): Promise<InstanceSummary> {
    const task = await this.openTask(taskId);
    return this.execute(
      task.instance_id,
      { type: 'failTask', taskKey: task.engine_key, message },
      actor,
      async (manager) => {
        const [current] = await manager.query<{ state: string }[]>(
          `SELECT state FROM tasks WHERE id = $1`,
          [taskId],
        );
        if (current?.state !== 'open') {
          throw new RuntimeException(
            RuntimeExceptionCode.TASK_NOT_OPEN,
            `task '${taskId}' is already ${current?.state ?? 'gone'}`,
          );
        }
      },
    );
  }

  /** Fires a timer by its row id; a timer that already fired or was cancelled is ignored. */
  async fireTimer(timerId: string): Promise<boolean> {
    const [timer] = await this.dataSource.query<
      { instance_id: string; engine_key: string; state: string }[]
    >(`SELECT instance_id, engine_key, state FROM timers WHERE id = $1`, [timerId]);
    if (timer?.state !== 'scheduled') return false;
    await this.execute(
      timer.instance_id,
      { type: 'fireTimer', timerKey: timer.engine_key },
      'system:timer',
    );
    return true;
  }

  async openTask(
    taskId: string,
  ): Promise<{ instance_id: string; engine_key: string; kind: string }> {
    const [task] = await this.dataSource.query<
      { instance_id: string; engine_key: string; kind: string; state: string }[]
    >(`SELECT instance_id, engine_key, kind, state FROM tasks WHERE id = $1`, [taskId]);
    if (!task)
      throw new RuntimeException(RuntimeExceptionCode.TASK_NOT_FOUND, `no task '${taskId}'`);
    if (task.state !== 'open') {
      throw new RuntimeException(
        RuntimeExceptionCode.TASK_NOT_OPEN,
        `task '${taskId}' is already ${task.state}`,
      );
    }
    return task;
  }

  private async persistEffects(
    manager: EntityManager,
    instanceId: string,
    result: StepResult,
    actor: string,
    now: number,
    leading: Parameters<typeof appendAudit>[2],
  ): Promise<string[]> {
    const projection = await projectEffects(manager, result.effects, {
      instanceId,
      actor,
      now,
      zone: this.options.timeZone,
      registry: this.definitions,
      reminderOffsets: this.options.reminderOffsets,
    });
    await appendAudit(manager, instanceId, [...leading, ...projection.audit]);
    return writeOutbox(manager, projection.jobs);
  }

  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // PostgreSQL's default level (READ COMMITTED); naming it costs TypeORM an extra round trip.
    return this.dataSource.transaction(work);
  }

  private async kick(ids: readonly string[]): Promise<void> {
    if (!this.outbox || ids.length === 0) return;
    try {
      await this.outbox.dispatch({ ids });
    } catch (error) {
      // Committed rows stay in the outbox; the reconciler delivers them.
      this.onDispatchError(error);
    }
  }
}

function refsOf(state: InstanceState): string[] {
  const refs = new Set<string>([state.processRef]);
  for (const element of Object.values(state.elements)) refs.add(element.processRef);
  return [...refs];
}

function engine(action: () => StepResult): StepResult {
  try {
    return action();
  } catch (error) {
    if (error instanceof EngineException) {
      throw new RuntimeException(ENGINE_CODES[error.code], error.message);
    }
    throw error;
  }
}

const ENGINE_CODES: Record<EngineExceptionCode, RuntimeExceptionCode> = {
  [EngineExceptionCode.PROCESS_NOT_FOUND]: RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
  [EngineExceptionCode.INVALID_START]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.INSTANCE_NOT_ACTIVE]: RuntimeExceptionCode.INSTANCE_NOT_ACTIVE,
  [EngineExceptionCode.TASK_NOT_FOUND]: RuntimeExceptionCode.TASK_NOT_OPEN,
  [EngineExceptionCode.INCIDENT_NOT_FOUND]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.SCOPE_NOT_FOUND]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.UNSUPPORTED_STATE]: RuntimeExceptionCode.INVALID_COMMAND,
  [EngineExceptionCode.INVALID_VARIABLES]: RuntimeExceptionCode.INVALID_VARIABLES,
};

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? error;
  const { code, constraint: name } = driverError as { code?: string; constraint?: string };
  return code === '23505' && name === constraint;
}
