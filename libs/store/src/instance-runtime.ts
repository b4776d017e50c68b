import { randomUUID } from 'node:crypto';
import { type AuditEventInput, GENESIS_HASH, chainAudit } from '@app/audit';
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
import { type OutboxRow, outboxInsert } from '@app/queue';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from './clock.js';
import type { DefinitionCache } from './definition-cache.js';
import {
  type ProjectedTask,
  projectEffects,
  rootVariables,
  withTaskNames,
} from './effects-projection.js';
import { RuntimeException, RuntimeExceptionCode } from './runtime.exception.js';
import { pooledPipeline } from './pipeline.js';
import { type CachedInstance, StepCache } from './step-cache.js';
import { StepTransaction } from './step-transaction.js';
import { WriteBatch } from './write-batch.js';

export interface RuntimeOptions {
  readonly timeZone: string;
  /** Default reminder offsets before a task's due date, e.g. ['P3D', 'P1D', 'PT0S']. */
  readonly reminderOffsets: readonly string[];
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

/** An open task row of an instance, as the instance's answer lists it. */
export interface OpenTaskRow {
  readonly id: string;
  readonly kind: 'user' | 'service';
  readonly element_id: string;
  readonly name: string | null;
  readonly assignee: string | null;
  readonly candidate_groups: string[];
  readonly candidate_users: string[];
  readonly due_at: Date | null;
  readonly claimed_by: string | null;
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

interface InstanceRow {
  id: string;
  template_key: string;
  version: number;
  business_key: string | null;
  org_unit_id: string | null;
  engine_state: InstanceState;
  started_by: string;
  created_at: Date;
  revision: number;
  audit_seq: number;
  audit_hash: string;
  /** The task or timer the lock went through, when it went through one. */
  target_id?: string;
  target_key?: string;
  target_state?: string;
  target_kind?: 'user' | 'service';
  target_claimed_by?: string | null;
  target_form_key?: string | null;
  target_assignee?: string | null;
  target_candidate_groups?: string[];
  target_candidate_users?: string[];
}

/** A due timer as CLAIM_DUE_TIMERS_SQL locks it, with its instance. */
interface ClaimedTimerRow extends InstanceRow {
  timer_id: string;
}

/** What the step's transaction locks: the instance row, through a task or timer row or not. */
type LockTarget =
  | { readonly kind: 'instance'; readonly id: string }
  | { readonly kind: 'task'; readonly id: string }
  | { readonly kind: 'timer'; readonly id: string };

const LOCKED_COLUMNS = `p.id, p.template_key, p.version, p.business_key, p.org_unit_id, p.engine_state,
  p.started_by, p.created_at, p.revision, s.seq AS audit_seq, s.hash AS audit_hash`;

/**
 * One statement locks the instance row, the row the step goes through (a task, a timer) and
 * the head of the instance's audit chain, in that order (every other writer of a task row or
 * a chain head locks task before head, and none locks the instance, so no cycle).
 *
 * The mode is FOR NO KEY UPDATE — the lock an UPDATE of the row takes, exclusive against every
 * other step of the instance (and against FOR UPDATE / FOR SHARE) — not FOR UPDATE, which
 * would also block the FOR KEY SHARE that PostgreSQL's foreign-key checks take on the instance
 * row: a reminder or an escalation that holds a task row and inserts a notification naming
 * the instance would then wait for the step while the step waits for the task row (deadlock).
 */
const LOCK_SQL: Record<LockTarget['kind'], string> = {
  instance: `SELECT ${LOCKED_COLUMNS}
      FROM process_instances p JOIN audit_streams s ON s.stream = p.id::text
     WHERE p.id = $1 FOR NO KEY UPDATE OF p, s`,
  task: `SELECT ${LOCKED_COLUMNS}, t.id AS target_id, t.engine_key AS target_key, t.state AS target_state,
         t.kind AS target_kind, t.claimed_by AS target_claimed_by, t.form_key AS target_form_key,
         t.assignee AS target_assignee, t.candidate_groups AS target_candidate_groups,
         t.candidate_users AS target_candidate_users
      FROM process_instances p JOIN tasks t ON t.instance_id = p.id
      JOIN audit_streams s ON s.stream = p.id::text
     WHERE t.id = $1 FOR NO KEY UPDATE OF p, t, s`,
  timer: `SELECT ${LOCKED_COLUMNS}, m.engine_key AS target_key, m.state AS target_state
      FROM process_instances p JOIN timers m ON m.instance_id = p.id
      JOIN audit_streams s ON s.stream = p.id::text
     WHERE m.id = $1 FOR NO KEY UPDATE OF p, m, s`,
};

/**
 * Claims a batch of due timers with their instances and audit heads (see fireDueTimers): one
 * statement, through the partial index of scheduled timers by due time, locking in one fixed
 * order (instance id, then due time and timer id) and skipping every row another transaction
 * holds — a batch of another worker, a step of one of the instances — so several workers claim
 * disjoint batches and never wait for each other. `$3`: timers this caller already gave up on.
 */
export const CLAIM_DUE_TIMERS_SQL = `SELECT ${LOCKED_COLUMNS}, m.id AS timer_id, m.engine_key AS target_key,
         m.state AS target_state
      FROM timers m JOIN process_instances p ON p.id = m.instance_id
      JOIN audit_streams s ON s.stream = p.id::text
     WHERE m.state = 'scheduled' AND m.due_at <= $1 AND m.id <> ALL ($3::uuid[])
     ORDER BY p.id, m.due_at, m.id LIMIT $2
     FOR NO KEY UPDATE OF p, m, s SKIP LOCKED`;

/**
 * What a completion from the cache expects of the rows it writes: the instance at the cached
 * revision (every step bumps it), the task open with the same claim, the audit head at the
 * cached seq. Each is a condition of the step's own UPDATE of that row, and the statement
 * fails (WriteBatch.expectOne) unless each UPDATE changed its row — the instance, the task,
 * the audit head, in this order, before any other write, as LOCK_SQL.task locks them. An
 * UPDATE compares the row as it locks it: a row another transaction changed meanwhile is
 * re-read once that one ends.
 */
interface Expected {
  readonly revision: number;
  readonly auditSeq: number;
  readonly task: { readonly id: string; readonly key: string; readonly claimedBy: string | null };
}

/** Where a target's instance id is, when the lock finds no row. */
const INSTANCE_OF_SQL: Record<LockTarget['kind'], string> = {
  instance: `SELECT id AS instance_id FROM process_instances WHERE id = $1`,
  task: `SELECT instance_id FROM tasks WHERE id = $1`,
  timer: `SELECT instance_id FROM timers WHERE id = $1`,
};

// `state::text`: through the instance's index, never by scanning a partial index of every open
// task (which `state = 'open'` would allow the planner to pick).
const OPEN_TASKS_SQL = `SELECT id, kind, engine_key, element_id, name, assignee, candidate_groups,
    candidate_users, due_at, claimed_by, created_at
   FROM tasks WHERE instance_id = $1 AND state::text = 'open'`;

interface TaskListingRow extends OpenTaskRow {
  engine_key: string;
  created_at: Date;
}

interface Written {
  readonly summary: InstanceSummary;
  readonly outbox: OutboxRow[];
}

/** What a step changed that the cache keeps (see remember). */
interface StepMark {
  readonly head: { readonly seq: number; readonly hash: string };
  readonly endedTaskKeys: readonly string[];
  readonly createdTasks: readonly ProjectedTask[];
}

type InstanceCommand = Exclude<Command, StartCommand>;

/**
 * Applies engine steps durably. Each step is one transaction: lock the instance row, run the
 * pure engine, write the new state and the rows its effects imply (tasks, timers, audit
 * events, outbox jobs), commit; then hand the outbox rows to the dispatcher. Nothing else
 * writes instance state.
 */
/** Instances a runtime keeps for completions in one round trip, unless told otherwise. */
export const DEFAULT_STEP_CACHE_SIZE = 10_000;

export class InstanceRuntime {
  private readonly cache: StepCache;
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

  /**
   * Starts an instance: one statement, so one transaction on its own, inserts the instance row
   * and everything its first step implies (tasks, timers, the head and first events of its
   * audit chain, outbox jobs).
   */
  /**
   * The `zeebe:properties` of an element of a deployed process version (from the definitions
   * this process keeps in memory; loaded once per version).
   */
  async elementProperties(
    processRef: string,
    elementId: string,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    await this.definitions.ensure([processRef]);
    const node = this.definitions.byRef(processRef)?.nodes[elementId];
    return node?.kind === 'userTask' ? node.properties : undefined;
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
    const id = randomUUID();
    const batch = new WriteBatch();
    const stateJson = JSON.stringify(result.state);
    batch.add(
      `INSERT INTO process_instances (id, definition_id, template_key, version, business_key, org_unit_id, state,
         engine_state, variables, started_by, created_at, updated_at, ended_at)
       SELECT $11, id, key, version, $3, $4, $5, $6, $7, $8, $9, $9, $10
         FROM process_definitions WHERE key = $1 AND version = $2
       RETURNING id`,
      [
        input.templateKey,
        version,
        input.businessKey ?? null,
        input.orgUnitId ?? null,
        displayState(result.state),
        stateJson,
        JSON.stringify(rootVariables(result.state)),
        actor,
        new Date(now),
        result.state.endedAt === null ? null : new Date(result.state.endedAt),
        id,
      ],
      'instance',
    );
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
    const written = this.addEffects(batch, summary, result, actor, now, null, [started]);
    let out: Record<string, unknown[]>;
    try {
      out = await this.runAlone(batch);
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
    this.remember(1, stateJson.length, done.summary, done, new Map());
    await this.kick(done.outbox);
    return done.summary;
  }

  /**
   * Runs a batch on a pooled connection as one pipeline: its statements (one, unless the batch
   * is too big for one) up to the pipeline's Sync are one implicit transaction.
   */
  private async runAlone(batch: WriteBatch): Promise<Record<string, unknown[]>> {
    const results = await pooledPipeline(this.dataSource, batch.statements());
    return batch.collect(
      results.map((result) => result.rows[0] as Record<string, unknown> | undefined),
    );
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
    const [row] = await this.dataSource.query<{ instance_id: string; state: string }[]>(
      `SELECT instance_id, state::text AS state FROM timers WHERE id = $1`,
      [timerId],
    );
    return row && { instanceId: row.instance_id, state: row.state };
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
          const planned = this.plan(row, command, 'system:timer', {}, this.knownTasks(row));
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

  /**
   * One step's transaction on a connection of its own, in two round trips: `BEGIN` and the
   * statement that locks the target's instance row go in one message, the step's writes and
   * `COMMIT` in another (see StepTransaction). An instance without a chain head (its rows
   * written by hand) gets one first.
   */
  private async step<T>(
    target: LockTarget,
    work: (tx: StepTransaction, row: InstanceRow | undefined) => Promise<T> | T,
  ): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as pg.PoolClient;
    const tx = new StepTransaction(client, runner.manager);
    try {
      let [row] = await tx.begin<InstanceRow>(LOCK_SQL[target.kind], [target.id]);
      if (!row) {
        const [owner] = await tx.manager.query<{ instance_id: string }[]>(
          INSTANCE_OF_SQL[target.kind],
          [target.id],
        );
        if (owner) {
          await tx.manager.query(
            `INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING`,
            [owner.instance_id, GENESIS_HASH],
          );
          [row] = await tx.manager.query<InstanceRow[]>(LOCK_SQL[target.kind], [target.id]);
        }
      }
      const result = await work(tx, row);
      await tx.commit();
      return result;
    } catch (error) {
      await tx.rollback();
      throw error;
    } finally {
      await runner.release();
    }
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
    const planned = this.plan(row, command, actor, options, this.knownTasks(row));
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
   * The open task rows of a locked instance this process knows: those of its cached entry
   * when that entry is the row's revision, and the task the lock went through.
   */
  private knownTasks(row: InstanceRow): Map<string, { key: string; claimedBy: string | null }> {
    const cached = this.cache.get(row.id);
    const known = new Map(cached?.revision === row.revision ? cached.tasks : []);
    if (row.target_kind !== undefined && row.target_key !== undefined) {
      for (const [id, task] of known) if (task.key === row.target_key) known.delete(id);
      if (row.target_state === 'open' && row.target_id !== undefined) {
        known.set(row.target_id, { key: row.target_key, claimedBy: row.target_claimed_by ?? null });
      }
    }
    return known;
  }

  /**
   * Runs the engine step on an instance as `row` has it and builds every write it implies
   * (no batch when the step changed nothing); `finish` reads the batch's answer and keeps the
   * instance as the step left it in the cache.
   */
  private plan(
    row: InstanceRow,
    command: InstanceCommand,
    actor: string,
    options: StepOptions,
    known: ReadonlyMap<string, { key: string; claimedBy: string | null }>,
    expected?: Expected,
  ):
    | { summary: InstanceSummary; batch: null }
    | {
        summary: InstanceSummary;
        batch: WriteBatch;
        finish: (out: Record<string, unknown[]>) => Written;
      } {
    const now = this.clock.now();
    const result = engine(() => step(this.context(), row.engine_state, command, now));
    const summary: InstanceSummary = {
      id: row.id,
      templateKey: row.template_key,
      version: row.version,
      businessKey: row.business_key,
      orgUnitId: row.org_unit_id,
      state: displayState(result.state),
      engineState: result.state,
      startedBy: row.started_by,
      createdAt: row.created_at,
      updatedAt: new Date(now),
      endedAt: result.state.endedAt === null ? null : new Date(result.state.endedAt),
      variables: rootVariables(result.state),
    };
    if (result.effects.length === 0) {
      return { summary, batch: null };
    }
    const batch = new WriteBatch();
    const stateJson = JSON.stringify(result.state);
    const values = [
      row.id,
      stateJson,
      displayState(result.state),
      JSON.stringify(rootVariables(result.state)),
      new Date(now),
      result.state.endedAt === null ? null : new Date(result.state.endedAt),
    ];
    const update = `UPDATE process_instances
          SET engine_state = $2, state = $3, variables = $4, revision = revision + 1, updated_at = $5, ended_at = $6
        WHERE id = $1`;
    if (expected) {
      batch.expectOne(
        batch.add(`${update} AND revision = $7 RETURNING 1`, [...values, expected.revision]),
        `instance ${row.id}`,
      );
    } else {
      batch.add(update, values);
    }
    // The open tasks after the step are the engine's; only those it did not create in this
    // step need their rows read (ids, claims) — none in a sequence of single tasks.
    const created = new Set(
      result.effects.flatMap((effect) => (effect.type === 'task.created' ? [effect.task.key] : [])),
    );
    const readBefore =
      options.openTasks === true &&
      Object.keys(result.state.tasks).some((key) => !created.has(key));
    if (readBefore) batch.read(OPEN_TASKS_SQL, [row.id], 'open_tasks');
    const extra: AuditEventInput[] =
      command.type === 'cancel'
        ? [
            {
              type: 'instance.cancelled',
              actor,
              instanceId: row.id,
              elementId: null,
              at: now,
              data: command.reason ? { reason: command.reason } : {},
            },
          ]
        : [];
    const written = this.addEffects(
      batch,
      summary,
      result,
      actor,
      now,
      { seq: row.audit_seq, hash: row.audit_hash },
      extra,
      expected,
    );
    return {
      summary,
      batch,
      finish: (out) => {
        const done = written(
          out,
          !options.openTasks ? null : readBefore ? (out.open_tasks as TaskListingRow[]) : [],
        );
        this.remember(row.revision + 1, stateJson.length, done.summary, done, known);
        return done;
      },
    };
  }

  /**
   * Adds the step's projected rows, audit events (chained onto `head`, or a new chain when
   * null) and outbox jobs to the batch; returns how to read the result once it ran.
   */
  private addEffects(
    batch: WriteBatch,
    summary: InstanceSummary,
    result: StepResult,
    actor: string,
    now: number,
    head: { seq: number; hash: string } | null,
    leading: readonly AuditEventInput[],
    expected?: Expected,
  ): (
    out: Record<string, unknown[]>,
    /** The open task rows before the step, when the result lists open tasks (else null). */
    before: TaskListingRow[] | null,
  ) => Written & StepMark {
    const projection = projectEffects(batch, result.effects, {
      instanceId: summary.id,
      actor,
      now,
      zone: this.options.timeZone,
      registry: this.definitions,
      reminderOffsets: this.options.reminderOffsets,
      orgUnitId: summary.orgUnitId,
      expectedTask: expected?.task,
    });
    const events = [...leading, ...projection.audit];
    let newHead = head ?? { seq: 0, hash: GENESIS_HASH };
    if (events.length > 0) {
      const chained = chainAudit(summary.id, newHead, events);
      newHead = chained.head;
      batch.add(chained.insert.sql, chained.insert.params);
      const values = [summary.id, chained.head.seq, chained.head.hash];
      if (head === null) {
        batch.add(`INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, $2, $3)`, values);
      } else if (expected) {
        batch.expectOne(
          batch.add(
            `UPDATE audit_streams SET seq = $2, hash = $3 WHERE stream = $1 AND seq = $4 RETURNING 1`,
            [...values, expected.auditSeq],
          ),
          `audit head of ${summary.id}`,
        );
      } else {
        batch.add(`UPDATE audit_streams SET seq = $2, hash = $3 WHERE stream = $1`, values);
      }
    }
    if (projection.jobs.length > 0) {
      const insert = outboxInsert(projection.jobs);
      batch.add(insert.sql, insert.params, 'outbox');
    }
    return (out, before) => {
      const outbox = ((out.outbox ?? []) as OutboxRow[]).map((row) => ({
        ...row,
        id: String(row.id),
        not_before: new Date(row.not_before),
      }));
      const createdTasks = withTaskNames(projection.createdTasks, out);
      const mark: StepMark = {
        head: newHead,
        endedTaskKeys: projection.endedTaskKeys,
        createdTasks,
      };
      if (before === null) return { summary, outbox, ...mark };
      const ended = new Set(projection.endedTaskKeys);
      const open = new Map<string, TaskListingRow>();
      for (const task of before ?? []) {
        if (!ended.has(task.engine_key)) open.set(task.id, task);
      }
      for (const task of createdTasks) {
        if (task.state === 'open') open.set(task.id, task);
      }
      return {
        summary: { ...summary, openTasks: sortTasks([...open.values()]) },
        outbox,
        ...mark,
      };
    };
  }

  /**
   * Keeps an instance as a committed step left it (see StepCache): `known` are the open task
   * rows known before the step; the step's ended tasks leave, its new open ones join.
   */
  private remember(
    revision: number,
    bytes: number,
    summary: InstanceSummary,
    mark: StepMark,
    known: ReadonlyMap<string, { key: string; claimedBy: string | null }>,
  ): void {
    if (summary.endedAt !== null) {
      this.cache.drop(summary.id);
      return;
    }
    const ended = new Set(mark.endedTaskKeys);
    const tasks = new Map<string, { key: string; claimedBy: string | null }>();
    for (const [id, task] of known) if (!ended.has(task.key)) tasks.set(id, task);
    for (const task of mark.createdTasks) {
      if (task.state === 'open') tasks.set(task.id, { key: task.engine_key, claimedBy: null });
    }
    this.cache.put({
      id: summary.id,
      templateKey: summary.templateKey,
      version: summary.version,
      businessKey: summary.businessKey,
      orgUnitId: summary.orgUnitId,
      startedBy: summary.startedBy,
      createdAt: summary.createdAt,
      revision,
      engineState: summary.engineState,
      auditSeq: mark.head.seq,
      auditHash: mark.head.hash,
      bytes,
      tasks,
    });
  }

  private async kick(rows: readonly OutboxRow[]): Promise<void> {
    if (!this.outbox || rows.length === 0) return;
    await this.outbox.deliverAfterCommit(rows, (_, error) => this.onDispatchError(error));
  }
}

/** The task a completion is for, as its locked (or cached) row has it. */
function lockedTask(taskId: string, row: InstanceRow): LockedTask {
  const engineTask =
    row.target_key === undefined ? undefined : row.engine_state.tasks[row.target_key];
  return {
    id: taskId,
    instanceId: row.id,
    kind: row.target_kind ?? 'user',
    state: (row.target_state ?? 'open') as LockedTask['state'],
    claimedBy: row.target_claimed_by ?? null,
    formKey: row.target_form_key ?? null,
    assignee: row.target_assignee ?? null,
    candidateGroups: row.target_candidate_groups ?? [],
    candidateUsers: row.target_candidate_users ?? [],
    orgUnitId: row.org_unit_id,
    elementId: engineTask?.elementId ?? null,
    processRef: engineTask?.processRef ?? null,
  };
}

/** The completion's check (default: the task must be open); refuses by throwing. */
async function checkTask(
  taskId: string,
  row: InstanceRow,
  options: CompleteTaskOptions,
  manager: EntityManager,
) {
  const task = lockedTask(taskId, row);
  if (options.check) await options.check(task, rootVariables(row.engine_state), manager);
  else if (task.state !== 'open') {
    throw new RuntimeException(
      RuntimeExceptionCode.TASK_NOT_OPEN,
      `该任务已${taskStateText(task.state)}，不能再办理`,
      { state: task.state },
    );
  }
}

/** Open tasks as the instance lists them: creation order, then engine key. */
function sortTasks(rows: readonly (TaskListingRow | ProjectedTask)[]): OpenTaskRow[] {
  return rows
    .map((row) => ({
      key: row.engine_key,
      createdAt: new Date(row.created_at).getTime(),
      task: {
        id: row.id,
        kind: row.kind,
        element_id: row.element_id,
        name: row.name,
        assignee: row.assignee,
        candidate_groups: row.candidate_groups,
        candidate_users: row.candidate_users,
        due_at: row.due_at === null ? null : new Date(row.due_at),
        claimed_by: row.claimed_by,
      },
    }))
    .sort(
      (a, b) =>
        a.createdAt - b.createdAt ||
        a.key.length - b.key.length ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    )
    .map((entry) => entry.task);
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

/** A task's end in the words of a refusal: 已完成 / 已取消 / 已结束. */
function taskStateText(state: string | null | undefined): string {
  if (state === 'completed') return '完成';
  if (state === 'cancelled') return '取消';
  return '结束';
}
