import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '@app/audit';
import { type EngineContext, type Variables, displayState, step } from '@app/engine';
import type { OutboxRow } from '@app/queue';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from './clock.js';
import type { DefinitionCache } from './definition-cache.js';
import { rootVariables } from './effects-projection.js';
import { type KnownTask, knownTasks, rememberStep } from './instance-cache.js';
import {
  type ClaimedTimerRow,
  type InstanceRow,
  type LockTarget,
  CLAIM_DUE_TIMERS_SQL,
  OPEN_TASKS_SQL,
  checkTask,
  lockedStep,
  taskStateText,
} from './instance-lock.js';
import {
  type Expected,
  type InstanceCommand,
  type PlannedStep,
  type StepSettings,
  type Written,
  addStepEffects,
  engine,
  planStep,
  refsOf,
  sortTasks,
} from './instance-plan.js';
import type {
  CompleteTaskOptions,
  InstanceSummary,
  OutboxKick,
  RuntimeOptions,
  StartInput,
  StepOptions,
} from './instance-runtime.types.js';
import { addInstanceInsert, runAlone } from './instance-write.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';
import { pooledPipeline } from './pipeline.js';
import { type CachedInstance, StepCache } from './step-cache.js';
import { StepTransaction } from './step-transaction.js';
import type { TaskListingRow } from './tasks.repository.js';
import { TimersRepository } from './timers.repository.js';
import { WriteBatch } from './write-batch.js';

/** Instances a runtime keeps for completions in one round trip, unless told otherwise. */
export const DEFAULT_STEP_CACHE_SIZE = 10_000;

/**
 * Applies engine steps durably. Each step is one transaction: lock the instance row, run the
 * pure engine, write the new state and the rows its effects imply (tasks, timers, audit
 * events, outbox jobs), commit; then hand the outbox rows to the dispatcher. Nothing else
 * writes instance state.
 *
 * This file orchestrates; the seams are files of their own: load and lock (instance-lock.ts),
 * plan (instance-plan.ts: the engine step and its writes, in memory), write (instance-write.ts:
 * the instance row, the audit head, the outbox, a batch run alone) and cache (instance-cache.ts
 * with step-cache.ts).
 */
export class InstanceRuntime {
  private readonly cache: StepCache;
  private readonly timers: TimersRepository;
  private fromCache = 0;
  private leftToLocks = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly options: RuntimeOptions,
    private readonly outbox: OutboxKick | null,
    private readonly onDispatchError: (error: unknown) => void = () => undefined,
  ) {
    this.cache = new StepCache(options.stepCacheSize ?? DEFAULT_STEP_CACHE_SIZE);
    this.timers = new TimersRepository(dataSource);
  }

  /**
   * Completions this runtime made from its cache in one round trip, those where it had to
   * leave the decision to the locked path (stale cache, a refusal, an error), and the
   * instances it keeps.
   */
  get cacheStats(): { fromCache: number; leftToLocks: number; instances: number } {
    return {
      fromCache: this.fromCache,
      leftToLocks: this.leftToLocks,
      instances: this.cache.size,
    };
  }

  private context(): EngineContext {
    return {
      processes: this.definitions,
      timeZone: this.options.timeZone,
      callActivityMaxDepth: this.options.callActivityMaxDepth,
      stepMaxActivations: this.options.stepMaxActivations,
      feelLimits: this.options.feelLimits,
      timerLimits: this.options.timerLimits,
    };
  }

  private settings(): StepSettings {
    return {
      context: this.context(),
      timeZone: this.options.timeZone,
      registry: this.definitions,
      reminderOffsets: this.options.reminderOffsets,
      projectors: this.options.projectors,
    };
  }

  /**
   * The `zeebe:properties` of an element of a deployed process version, from the definitions
   * this process keeps in memory: a version never changes once deployed, so one this process
   * knows is not read again (however old the cache), and one it does not is loaded. Inside a
   * transaction (a step's check), pass its manager: that load then reads on the transaction's
   * connection instead of waiting for a second one.
   */
  async elementProperties(
    processRef: string,
    elementId: string,
    manager?: EntityManager,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    if (!this.definitions.byRef(processRef)) await this.definitions.ensure([processRef], manager);
    const node = this.definitions.byRef(processRef)?.nodes[elementId];
    return node?.kind === 'userTask' ? node.properties : undefined;
  }

  /**
   * Starts an instance: one statement, so one transaction on its own, inserts the instance row
   * and everything its first step implies (tasks, timers, the head and first events of its
   * audit chain, outbox jobs).
   */
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
    const id = randomUUID();
    const batch = new WriteBatch();
    const stateJson = JSON.stringify(result.state);
    addInstanceInsert(batch, {
      id,
      templateKey: input.templateKey,
      version,
      businessKey: input.businessKey ?? null,
      orgUnitId: input.orgUnitId ?? null,
      state: result.state,
      stateJson,
      startedBy: actor,
      now,
    });
    const started: AuditEventInput = {
      type: 'instance.started',
      actor,
      instanceId: id,
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
    const summary: InstanceSummary = {
      id,
      templateKey: input.templateKey,
      version,
      businessKey: input.businessKey ?? null,
      orgUnitId: input.orgUnitId ?? null,
      state: displayState(result.state),
      engineState: result.state,
      startedBy: actor,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      endedAt: result.state.endedAt === null ? null : new Date(result.state.endedAt),
      variables: rootVariables(result.state),
    };
    const written = addStepEffects(this.settings(), batch, summary, result, actor, now, null, [
      started,
    ]);
    let out: Record<string, unknown[]>;
    try {
      out = await runAlone(this.dataSource, batch);
    } catch (error) {
      if (isUniqueViolation(error, 'process_instances_business_key_uq')) {
        throw new RuntimeException(
          RuntimeExceptionCode.DUPLICATE_BUSINESS_KEY,
          `${input.orgUnitId ? `党组织 ${input.orgUnitId}` : '（无党组织）'}已有业务编号为「${input.businessKey ?? ''}」的流程「${input.templateKey}」实例`,
          {
            templateKey: input.templateKey,
            businessKey: input.businessKey ?? null,
            orgUnitId: input.orgUnitId ?? null,
          },
        );
      }
      throw error;
    }
    if (out.instance.length === 0) throw new Error(`definition ${graph.ref} vanished`);
    const done = written(out, []);
    rememberStep(this.cache, 1, stateJson.length, done.summary, done, new Map());
    await this.kick(done.outbox);
    return done.summary;
  }

  /** Runs one command against an instance. */
  async execute(
    instanceId: string,
    command: InstanceCommand,
    actor: string,
    options: StepOptions = {},
  ): Promise<InstanceSummary> {
    const { summary, outbox } = await this.step({ kind: 'instance', id: instanceId }, (tx, row) => {
      if (!row) {
        throw new RuntimeException(
          RuntimeExceptionCode.INSTANCE_NOT_FOUND,
          `no instance '${instanceId}'`,
        );
      }
      return this.apply(tx, row, command, actor, options);
    });
    await this.kick(outbox);
    return summary;
  }

  /**
   * Completes a task by its row id: one statement locks the instance and the task row; the
   * task must still be open (409-style refusals), then `check` may refuse it too.
   */
  async completeTask(
    taskId: string,
    variables: Variables,
    actor: string,
    options: CompleteTaskOptions = {},
  ): Promise<InstanceSummary> {
    const cached = this.cache.byTask(taskId);
    const fast = cached && (await this.completeCached(cached, taskId, variables, actor, options));
    const { summary, outbox } =
      fast ||
      (await this.step({ kind: 'task', id: taskId }, async (tx, row) => {
        if (!row) {
          throw new RuntimeException(RuntimeExceptionCode.TASK_NOT_FOUND, `no task '${taskId}'`);
        }
        await checkTask(taskId, row, options, tx.manager);
        const command: InstanceCommand = {
          type: 'completeTask',
          taskKey: row.target_key ?? '',
          variables,
        };
        return this.apply(tx, row, command, actor, options);
      }));
    await this.kick(outbox);
    return summary;
  }

  /**
   * Completes a task of an instance as this process cached it, in one round trip: the
   * statement that locks the instance, the task and the audit head (as the locked path does)
   * also checks they are as cached, and is sent with the step's writes in one implicit
   * transaction — if anything changed, it fails and nothing is written. Answers null whenever
   * the locked path must decide instead: the cache was stale, the check refused (it is run
   * again on the locked rows), or the step writes nothing.
   */
  private async completeCached(
    cached: CachedInstance,
    taskId: string,
    variables: Variables,
    actor: string,
    options: CompleteTaskOptions,
  ): Promise<Written | null> {
    const known = cached.tasks.get(taskId);
    const task = known && cached.engineState.tasks[known.key];
    if (!known || !task) {
      this.cache.drop(cached.id);
      return null;
    }
    const row: InstanceRow = {
      id: cached.id,
      template_key: cached.templateKey,
      version: cached.version,
      business_key: cached.businessKey,
      org_unit_id: cached.orgUnitId,
      engine_state: cached.engineState,
      started_by: cached.startedBy,
      created_at: cached.createdAt,
      revision: cached.revision,
      audit_seq: cached.auditSeq,
      audit_hash: cached.auditHash,
      target_id: taskId,
      target_key: known.key,
      target_state: 'open',
      target_kind: task.kind,
      target_claimed_by: known.claimedBy,
      target_form_key: task.formKey ?? task.formId,
      target_assignee: task.assignee,
      target_candidate_groups: [...task.candidateGroups],
      target_candidate_users: [...task.candidateUsers],
    };
    let sent = false;
    try {
      // No connection is held yet
      await checkTask(taskId, row, options, this.dataSource.manager);
      await this.definitions.ensure(refsOf(row.engine_state));
      const command: InstanceCommand = { type: 'completeTask', taskKey: known.key, variables };
      const planned = this.plan(row, command, actor, options, cached.tasks, {
        revision: cached.revision,
        auditSeq: cached.auditSeq,
        task: { id: taskId, key: known.key, claimedBy: known.claimedBy },
      });
      // All three rows expected (the step ended the task), in one statement: else locked
      if (!planned.batch || planned.batch.expectations !== 3 || !planned.batch.oneStatement) {
        this.leftToLocks++;
        return null;
      }
      const statements = planned.batch.statements();
      sent = true;
      const results = await pooledPipeline(this.dataSource, statements);
      this.fromCache++;
      return planned.finish(
        planned.batch.collect(
          results.map((result) => result.rows[0] as Record<string, unknown> | undefined),
        ),
      );
    } catch (error) {
      this.leftToLocks++;
      this.cache.drop(cached.id);
      // PostgreSQL answered (so the transaction was rolled back): the locked path decides.
      // Anything else after sending may have committed or not: not retried.
      if (sent && !(error instanceof pg.DatabaseError)) throw error;
      return null;
    }
  }

  /**
   * Withdraws a service task whose job failed for good and raises an incident on its element
   * (resolving it creates a new job): one step locked through the task row, which must still
   * be open (409-style refusal otherwise, so a repeated report has one effect).
   */
  async failTask(taskId: string, message: string, actor: string): Promise<InstanceSummary> {
    const { summary, outbox } = await this.step({ kind: 'task', id: taskId }, (tx, row) => {
      if (!row) {
        throw new RuntimeException(RuntimeExceptionCode.TASK_NOT_FOUND, `no task '${taskId}'`);
      }
      if (row.target_state !== 'open') {
        throw new RuntimeException(
          RuntimeExceptionCode.TASK_NOT_OPEN,
          `该任务已${taskStateText(row.target_state)}，不能再办理`,
          { state: row.target_state ?? null },
        );
      }
      const command: InstanceCommand = { type: 'failTask', taskKey: row.target_key ?? '', message };
      return this.apply(tx, row, command, actor, {});
    });
    await this.kick(outbox);
    return summary;
  }

  /**
   * Fires a timer by its row id; a timer that already fired or was cancelled is ignored
   * (false). `check` (optional) sees the timer's row as locked (undefined: there is none) and
   * may refuse by throwing.
   */
  async fireTimer(
    timerId: string,
    check?: (timer: { readonly instanceId: string; readonly state: string } | undefined) => void,
  ): Promise<boolean> {
    const fired = await this.step({ kind: 'timer', id: timerId }, (tx, row) => {
      if (check) check(row && { instanceId: row.id, state: row.target_state ?? '' });
      if (row?.target_state !== 'scheduled') return null;
      const command: InstanceCommand = { type: 'fireTimer', timerKey: row.target_key ?? '' };
      return this.apply(tx, row, command, 'system:timer', {});
    });
    if (fired === null) return false;
    await this.kick(fired.outbox);
    return true;
  }

  /** A timer's row as it is now (read without a lock); undefined: there is none. */
  async timer(
    timerId: string,
  ): Promise<{ readonly instanceId: string; readonly state: string } | undefined> {
    return (await this.timers.find(timerId)) ?? undefined;
  }

  /**
   * Fires up to `limit` timers due by the clock in one transaction: one statement claims them
   * with their instances and audit heads (CLAIM_DUE_TIMERS_SQL: instance id order, rows
   * another transaction holds are skipped), the engine runs each instance's step in memory,
   * and every step's writes go with `COMMIT` in one round trip — each instance's step under
   * its own row lock, exactly as fireTimer would apply it, one fsync for the batch. A second
   * due timer of an instance already in the batch waits for the next one (one step per
   * instance and batch). A timer whose step fails in the engine, or changes nothing, is left
   * as it is and named in `failed` (its own job fires it alone and reports why). If the
   * batch's writes fail in PostgreSQL, nothing of it is written and each claimed timer is
   * fired on its own (fireTimer), so one bad instance costs its batch time, not its timers.
   * `skip`: timers not to claim (the caller's earlier `failed`). Answers how many timer rows
   * the claim took (fewer than `limit`: no more were due and free).
   */
  async fireDueTimers(options: {
    readonly limit: number;
    readonly skip?: readonly string[];
  }): Promise<{ readonly claimed: number; readonly fired: string[]; readonly failed: string[] }> {
    const fired: string[] = [];
    const failed: string[] = [];
    let claimed: ClaimedTimerRow[] = [];
    const outbox: OutboxRow[] = [];
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as pg.PoolClient;
    const tx = new StepTransaction(client, runner.manager);
    let rolledBack = false;
    try {
      claimed = await tx.begin<ClaimedTimerRow>(CLAIM_DUE_TIMERS_SQL, [
        new Date(this.clock.now()),
        options.limit,
        options.skip ?? [],
      ]);
      const rows: ClaimedTimerRow[] = [];
      const instances = new Set<string>();
      for (const row of claimed) {
        if (instances.has(row.id)) continue;
        instances.add(row.id);
        rows.push(row);
      }
      const refs = new Set<string>();
      for (const row of rows) for (const ref of refsOf(row.engine_state)) refs.add(ref);
      await this.definitions.ensure([...refs], tx.manager);
      const steps: {
        row: ClaimedTimerRow;
        batch: WriteBatch;
        finish: (out: Record<string, unknown[]>) => Written;
      }[] = [];
      for (const row of rows) {
        try {
          const command: InstanceCommand = { type: 'fireTimer', timerKey: row.target_key ?? '' };
          const planned = this.plan(row, command, 'system:timer', {}, knownTasks(this.cache, row));
          if (planned.batch) steps.push({ row, batch: planned.batch, finish: planned.finish });
          else failed.push(row.timer_id);
        } catch {
          failed.push(row.timer_id);
        }
      }
      if (steps.length === 0) {
        await tx.commit();
        return { claimed: claimed.length, fired, failed };
      }
      let outs: Record<string, unknown[]>[] = [];
      try {
        outs = await tx.commitWithAll(steps.map((s) => s.batch));
      } catch (error) {
        for (const s of steps) this.cache.drop(s.row.id);
        // Anything but PostgreSQL's answer may have committed or not: not retried here.
        if (!(error instanceof pg.DatabaseError)) throw error;
        await tx.rollback();
        rolledBack = true;
      }
      if (!rolledBack) {
        steps.forEach((s, i) => {
          fired.push(s.row.timer_id);
          outbox.push(...s.finish(outs[i]).outbox);
        });
      }
    } catch (error) {
      await tx.rollback();
      throw error;
    } finally {
      await runner.release();
    }
    if (!rolledBack) {
      await this.kick(outbox);
      return { claimed: claimed.length, fired, failed };
    }
    // The batch's writes failed: each claimed timer on its own, in the same order.
    for (const row of claimed) {
      if (failed.includes(row.timer_id)) continue;
      try {
        if (await this.fireTimer(row.timer_id)) fired.push(row.timer_id);
      } catch {
        failed.push(row.timer_id);
      }
    }
    return { claimed: claimed.length, fired, failed };
  }

  /** One step's transaction on a connection of its own (see lockedStep). */
  private step<T>(
    target: LockTarget,
    work: (tx: StepTransaction, row: InstanceRow | undefined) => Promise<T> | T,
  ): Promise<T> {
    return lockedStep(this.dataSource, target, work);
  }

  /** The engine step on a locked instance, and every write it implies in one statement. */
  private async apply(
    tx: StepTransaction,
    row: InstanceRow,
    command: InstanceCommand,
    actor: string,
    options: StepOptions,
  ): Promise<Written> {
    await this.definitions.ensure(refsOf(row.engine_state), tx.manager);
    const planned = this.plan(row, command, actor, options, knownTasks(this.cache, row));
    if (!planned.batch) {
      if (!options.openTasks) return { summary: planned.summary, outbox: [] };
      const listed = await tx.manager.query<TaskListingRow[]>(OPEN_TASKS_SQL, [row.id]);
      return {
        summary: { ...planned.summary, openTasks: sortTasks(listed) },
        outbox: [],
      };
    }
    let out: Record<string, unknown[]>;
    try {
      out = await tx.commitWith(planned.batch);
    } catch (error) {
      this.cache.drop(row.id);
      throw error;
    }
    return planned.finish(out);
  }

  /**
   * The step planned at the clock's now (planStep); once its batch ran, `finish` also keeps
   * the instance as the step left it in the cache (`known`: its open task rows before).
   */
  private plan(
    row: InstanceRow,
    command: InstanceCommand,
    actor: string,
    options: StepOptions,
    known: ReadonlyMap<string, KnownTask>,
    expected?: Expected,
  ): PlannedStep {
    const planned = planStep(
      this.settings(),
      row,
      command,
      actor,
      options,
      this.clock.now(),
      expected,
    );
    if (!planned.batch) return planned;
    return {
      ...planned,
      finish: (out) => {
        const done = planned.finish(out);
        rememberStep(this.cache, row.revision + 1, planned.bytes, done.summary, done, known);
        return done;
      },
    };
  }

  private async kick(rows: readonly OutboxRow[]): Promise<void> {
    if (!this.outbox || rows.length === 0) return;
    await this.outbox.deliverAfterCommit(rows, (_, error) => this.onDispatchError(error));
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError =
    (error as { driverError?: { code?: string; constraint?: string } }).driverError ?? error;
  const { code, constraint: name } = driverError as { code?: string; constraint?: string };
  return code === '23505' && name === constraint;
}
