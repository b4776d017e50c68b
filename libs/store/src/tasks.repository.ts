import {
  CursorError,
  SqlParams,
  decodeCursor,
  encodeCursor,
  isMicroInstant,
  isUuid,
  microStamp,
} from '@app/keyset';
import type { JsonValue } from '@app/feel';
import { likePrefix } from '@app/org';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from './pipeline.js';
import type { TaskScope } from './scope.sql.js';

/** The states of a task row (task_state). */
export type TaskRowState = 'open' | 'completed' | 'cancelled';

/**
 * A row of `tasks`, every column as PostgreSQL answers it: the table's one row type. The shapes
 * that read part of a row (below, and the step's OpenTaskRow / TaskListingRow / ProjectedTask)
 * pick their columns from it, so a column changes in one place.
 */
export interface TasksTableRow {
  id: string;
  instance_id: string;
  engine_key: string;
  kind: 'user' | 'service';
  element_id: string;
  name: string | null;
  assignee: string | null;
  candidate_groups: string[];
  candidate_users: string[];
  due_at: Date | null;
  follow_up_at: Date | null;
  form_key: string | null;
  job_type: string | null;
  state: TaskRowState;
  claimed_by: string | null;
  completed_by: string | null;
  variables: Record<string, JsonValue> | null;
  reminders_modelled: boolean;
  escalations: number;
  escalated_at: Date | null;
  created_at: Date;
  ended_at: Date | null;
  /**
   * The instance's unit and template: written by the step (effects-projection), or by the
   * trigger tasks_instance_columns for a writer that leaves them out.
   */
  org_unit_id: string | null;
  template_key: string;
}

/** A task as the api reads it: the row with its template's name and its business key. */
export type TaskRow = Pick<
  TasksTableRow,
  | 'id'
  | 'instance_id'
  | 'template_key'
  | 'engine_key'
  | 'kind'
  | 'element_id'
  | 'name'
  | 'assignee'
  | 'candidate_groups'
  | 'candidate_users'
  | 'due_at'
  | 'follow_up_at'
  | 'state'
  | 'claimed_by'
  | 'completed_by'
  | 'form_key'
  | 'created_at'
  | 'ended_at'
  | 'org_unit_id'
> & { template_name: string | null; business_key: string | null };

/** An open task of an instance, as the instance's answer lists it. */
export type OpenTaskRow = Readonly<
  Pick<
    TasksTableRow,
    | 'id'
    | 'kind'
    | 'element_id'
    | 'name'
    | 'assignee'
    | 'candidate_groups'
    | 'candidate_users'
    | 'due_at'
    | 'claimed_by'
  >
>;

/** An open task as a step reads its instance's (OPEN_TASKS_SQL): the listing, keyed. */
export type TaskListingRow = OpenTaskRow &
  Readonly<Pick<TasksTableRow, 'engine_key' | 'created_at'>>;

/** A task row a step inserts (effects-projection), as the instance's answer lists it. */
export type ProjectedTask = TaskListingRow & Readonly<Pick<TasksTableRow, 'state'>>;

/** A service task with what its job handler gets (`run-job`). */
export type ServiceTaskRow = Pick<
  TasksTableRow,
  'instance_id' | 'org_unit_id' | 'kind' | 'state' | 'element_id' | 'job_type' | 'variables'
> & {
  /** The task's headers from the engine's state. */
  headers: Record<string, string> | null;
};

/** A task as a notice about it (reminder, 督办) reads it. */
export type NoticeTaskRow = Pick<
  TasksTableRow,
  | 'instance_id'
  | 'element_id'
  | 'name'
  | 'state'
  | 'assignee'
  | 'candidate_users'
  | 'candidate_groups'
  | 'due_at'
>;

/** A task the escalation sweep has just escalated, with its instance's unit. */
export type EscalatedTaskRow = Omit<NoticeTaskRow, 'due_at'> &
  Pick<TasksTableRow, 'org_unit_id' | 'escalations'> & { due_at: Date };

/** When a task is due for 督办 (see `dueForEscalation`). */
export interface EscalationWindow {
  readonly now: Date;
  /** Escalated again once its last escalation is at or before this. */
  readonly repeatBefore: Date;
  /** Opened before this (it has had the grace). */
  readonly openedBefore: Date;
}

/**
 * The tasks escalated in place (the task path of apps/worker's EscalationService): those whose
 * ledger item the ledger's 督办 does not take (a task's item with an org unit climbs the org tree
 * there, with its own notices; LEDGER_OWNS_ESCALATION), so an overdue task is escalated by one
 * path of the sweep, never both.
 */
const TASK_SWEEP_OWNS = `NOT EXISTS (SELECT 1 FROM ledger_items l
              WHERE l.task_id = tasks.id AND l.org_unit_id IS NOT NULL)`;

const ESCALATION_DUE = `state = 'open' AND kind = 'user' AND due_at < $1
          AND (escalated_at IS NULL OR escalated_at <= $2)
          AND created_at < $3
          AND ${TASK_SWEEP_OWNS}`;

const COLUMNS = `t.id, t.instance_id, i.template_key, t.engine_key, t.kind, t.element_id, t.name, t.assignee,
  t.candidate_groups, t.candidate_users, t.due_at, t.follow_up_at, t.state, t.claimed_by, t.completed_by,
  t.form_key, t.created_at, t.ended_at, i.org_unit_id, d.name AS template_name, i.business_key`;

/** A task's instance and definition, for COLUMNS. */
const INSTANCE_JOINS = `JOIN process_instances i ON i.id = t.instance_id
  JOIN process_definitions d ON d.id = i.definition_id`;

const FROM = `tasks t ${INSTANCE_JOINS}`;

const TASK_STATES: readonly TaskRowState[] = ['open', 'completed', 'cancelled'];

/** `due`: soonest due first, no due time last; `created`: newest first. Ties by id. */
export type TaskListSort = 'due' | 'created';

/** The 亮灯 filter: the bounds the api computed from its clock and settings. */
export interface TaskLightFilter {
  readonly light: 'green' | 'yellow' | 'red';
  readonly now: Date;
  /** The end of the yellow window (see yellowUntil in @app/ledger). */
  readonly yellowEnd: Date;
  /** LEDGER_GRACE_DAYS: a task counts as due no sooner than this long after it opened. */
  readonly graceDays: number;
}

/** The list's filters, as the api checked them (a unit filter as its path, already readable). */
export interface TaskListFilter {
  readonly kind: 'user' | 'service';
  /** The subtree of this unit path. */
  readonly unitPath?: string;
  readonly instanceId?: string;
  readonly assignee?: string;
  readonly candidateGroup?: string;
  readonly candidateUser?: string;
  readonly state?: TaskRowState;
  /** Open past its due time and opened before `openedBefore` (true), or anything else (false). */
  readonly overdue?: { readonly value: boolean; readonly now: Date; readonly openedBefore: Date };
  readonly templateKey?: string;
  readonly dueBefore?: Date;
  readonly light?: TaskLightFilter;
}

/** Where a page starts: after the cursor's task, or (without one) `offset` tasks in. */
export interface TaskListPageRequest {
  readonly sort: TaskListSort;
  readonly limit: number;
  readonly offset: number;
  readonly cursor?: string;
}

export interface TaskListPage {
  readonly rows: TaskRow[];
  /** After the page's last task, or null when nothing follows. */
  readonly nextCursor: string | null;
  /** Every match up to TASK_COUNT_CAP; TASK_COUNT_CAP with `capped` when there are more. */
  readonly total: number;
  readonly capped: boolean;
}

/** How many matches `total` counts exactly; past it, `capped`. */
export const TASK_COUNT_CAP = 1000;

/** A cursor that is not one the list gave out (or from another sort). */
export class TaskCursorError extends CursorError {}

interface Position {
  readonly due: string | null;
  readonly created: string;
  readonly id: string;
}

/** A page's task with its position, in microseconds (a Date keeps milliseconds only). */
interface KeyRow {
  id: string;
  due_key: string | null;
  created_key: string;
}

/**
 * The api's reads of `tasks` with their instances: one task, and the list. The list reads a
 * page in index order, whatever the size of the table (see migration TasksListKeyset):
 *
 * - the caller's scope first, as unit ids (the units whose path lies under a scope path, read
 *   from org_units by path range) — an index condition on `tasks.org_unit_id`, which a task
 *   takes from its instance — and, apart, the tasks assigned or offered to the caller;
 * - each part of the scope, in each state asked, is one ordered stream read from an index in
 *   the list's order (keyset: after the cursor's position), limited to the page; the page is
 *   the first rows of their union. The planner picks per stream between walking the order's
 *   index and filtering by unit (a wide scope) or reading the scope's units and sorting (a
 *   narrow one), from the number of units in the scope; the page's rows (with their instance)
 *   are read by primary key in the same statement;
 * - the count reads at most TASK_COUNT_CAP + 1 matches per stream, and is not read when the
 *   page from the start holds the whole list (one instance's tasks);
 * - one instance's list (polled after every step) is found by the instance's key: its scope is
 *   matched per task by path in the page's statement (no read of the units first), and the
 *   statement is kept prepared, its generic plan checked in tasks-explain.int-spec.
 */
export class TasksRepository {
  /**
   * `list` runs its statements through `listStatements` (by default on the data source, one
   * instance's page kept prepared); a spec passes its own to EXPLAIN each statement.
   */
  constructor(
    private readonly db: DataSource,
    private readonly listStatements: ListStatements = pooledListStatements(db),
  ) {}

  /** One task with its instance's unit, template and business key. */
  async find(id: string): Promise<TaskRow | null> {
    const [row] = await this.db.query<TaskRow[]>(`SELECT ${COLUMNS} FROM ${FROM} WHERE t.id = $1`, [
      id,
    ]);
    return row ?? null;
  }

  /** A service task and what its handler gets; null when there is no such task. */
  async serviceTask(id: string): Promise<ServiceTaskRow | null> {
    const [row] = await this.db.query<ServiceTaskRow[]>(
      `SELECT t.instance_id, p.org_unit_id, t.kind, t.state, t.element_id, t.job_type, p.variables,
              p.engine_state -> 'tasks' -> t.engine_key -> 'headers' AS headers
         FROM tasks t JOIN process_instances p ON p.id = t.instance_id
        WHERE t.id = $1`,
      [id],
    );
    return row ?? null;
  }

  /**
   * The task, share-locked in `manager`'s transaction: a completion waits until a notice about
   * it is written (or sees it was not).
   */
  async lockForNotice(manager: EntityManager, id: string): Promise<NoticeTaskRow | null> {
    const [row] = await manager.query<NoticeTaskRow[]>(
      `SELECT instance_id, element_id, name, state, assignee, candidate_users, candidate_groups, due_at
         FROM tasks WHERE id = $1 FOR SHARE`,
      [id],
    );
    return row ?? null;
  }

  /** Open service tasks created before `before`, oldest first: their jobs may be lost. */
  staleServiceTasks(before: Date, limit: number): Promise<{ id: string; instance_id: string }[]> {
    return this.db.query(
      `SELECT id, instance_id FROM tasks
        WHERE state = 'open' AND kind = 'service' AND created_at < $1
        ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
  }

  /**
   * The default reminders (`offsets`, ISO durations before the due time in `zone`) of open user
   * tasks that fall at or before `horizon`, after the task opened, and were not sent yet
   * (no notification of their dedupe key `reminder-<task>-<offset>`); soonest due first.
   */
  remindersDue(
    offsets: readonly string[],
    zone: string,
    horizon: Date,
    limit: number,
  ): Promise<{ id: string; due_at: Date; offset: string }[]> {
    return this.db.query(
      `SELECT t.id, t.due_at, o.off AS offset
         FROM tasks t CROSS JOIN unnest($1::text[]) AS o (off)
        WHERE t.state = 'open' AND t.kind = 'user' AND t.due_at IS NOT NULL AND NOT t.reminders_modelled
          AND ((t.due_at AT TIME ZONE $2) - o.off::interval) AT TIME ZONE $2 <= $3
          AND ((t.due_at AT TIME ZONE $2) - o.off::interval) AT TIME ZONE $2 > t.created_at
          AND NOT EXISTS (
            SELECT 1 FROM notifications n WHERE n.dedupe_key = 'reminder-' || t.id || '-' || o.off)
        ORDER BY t.due_at LIMIT $4`,
      [offsets, zone, horizon, limit],
    );
  }

  /**
   * Claims the open, unclaimed task for `user`; null when it is not (then `claimState` tells
   * why).
   */
  async claim(
    manager: EntityManager,
    id: string,
    user: string,
  ): Promise<{ instance_id: string; element_id: string } | null> {
    const [rows] = await manager.query<[{ instance_id: string; element_id: string }[], number]>(
      `UPDATE tasks SET claimed_by = $2 WHERE id = $1 AND state = 'open' AND claimed_by IS NULL
       RETURNING instance_id, element_id`,
      [id, user],
    );
    return rows[0] ?? null;
  }

  /** The task's state and claimant; null when there is no such task. */
  async claimState(
    manager: EntityManager,
    id: string,
  ): Promise<{ state: TaskRowState; claimed_by: string | null } | null> {
    const [row] = await manager.query<{ state: TaskRowState; claimed_by: string | null }[]>(
      `SELECT state, claimed_by FROM tasks WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /**
   * Open user tasks past their due time that the task sweep escalates (TASK_SWEEP_OWNS), not
   * escalated since `repeatBefore` and opened before `openedBefore`; soonest due first.
   */
  async dueForEscalation(window: EscalationWindow, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id FROM tasks WHERE ${ESCALATION_DUE} ORDER BY due_at LIMIT $4`,
      [window.now, window.repeatBefore, window.openedBefore, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Counts one more escalation of the task at `window.now` if it is still due for one — the
   * condition re-checked under the row lock, so of two sweeps at once one escalates it —;
   * null when it is not.
   */
  async markEscalated(
    manager: EntityManager,
    id: string,
    window: EscalationWindow,
  ): Promise<EscalatedTaskRow | null> {
    const [rows] = await manager.query<[EscalatedTaskRow[], number]>(
      `UPDATE tasks SET escalations = escalations + 1, escalated_at = $1
        WHERE id = $4 AND ${ESCALATION_DUE}
        RETURNING instance_id, element_id, name, state, assignee, candidate_users, candidate_groups,
          due_at, escalations,
          (SELECT p.org_unit_id FROM process_instances p WHERE p.id = tasks.instance_id) AS org_unit_id`,
      [window.now, window.repeatBefore, window.openedBefore, id],
    );
    return rows[0] ?? null;
  }

  /** A page of the tasks `scope` sees that match `filter`, with a capped count. */
  async list(
    scope: TaskScope,
    filter: TaskListFilter,
    page: TaskListPageRequest,
  ): Promise<TaskListPage> {
    const position = page.cursor === undefined ? null : taskPosition(page.cursor, page.sort);
    // One instance's tasks are found by its key whatever the scope, so its scope is matched
    // per task by path, in the page's statement: no round trip for the units first
    const units: ScopeUnits =
      filter.instanceId === undefined
        ? await this.scopeUnits(scope, filter.unitPath)
        : {
            by: 'paths',
            read: scope.readPaths,
            member: scope.memberPaths,
            filter: filter.unitPath === undefined ? null : [filter.unitPath],
          };
    // Custom plans (unnamed statements): the number of units decides each stream's plan.
    const count = () =>
      this.listStatements
        .query<{ n: number }>(...this.countQuery(scope, units, filter, page.sort))
        .then((counted) => counted[0]?.n ?? 0);
    // One instance's tasks are few: the page comes first, and holds the count when it is not
    // full (one statement less for the list polled after every step); other lists count at once
    const early = filter.instanceId === undefined ? count() : null;
    // (its failure is answered below, or not at all when the page fails first)
    void early?.catch(() => undefined);
    const [text, values] = this.pageQuery(scope, units, filter, page, position);
    const found =
      filter.instanceId === undefined
        ? await this.listStatements.query<KeyRow & TaskRow>(text, values)
        : await this.listStatements.prepared<KeyRow & TaskRow>(text, values);
    const more = found.length > page.limit;
    const keys = found.slice(0, page.limit);
    const rows = keys.map(({ due_key: _due, created_key: _created, ...row }) => row);
    // From the start (no cursor), a page that is not full ends the list: offset + its rows
    const whole = position === null && !more && (keys.length > 0 || page.offset === 0);
    const n = await (early ?? (whole ? page.offset + keys.length : count()));
    const last = keys.at(-1);
    return {
      rows,
      nextCursor: more && last ? taskCursor(page.sort, last) : null,
      total: Math.min(n, TASK_COUNT_CAP),
      capped: n > TASK_COUNT_CAP,
    };
  }

  /**
   * The ids of the units under the scope's read paths and member paths (and under the unit
   * filter's path, when there is one): index range scans of org_units' path.
   */
  private async scopeUnits(scope: TaskScope, unitPath: string | undefined): Promise<ScopeUnits> {
    const params = new SqlParams();
    const under = (paths: readonly string[]) =>
      paths.length === 0
        ? 'FALSE'
        : `(${[...new Set(paths)].map((path) => `o.path LIKE ${params.add(likePrefix(path))}`).join(' OR ')})`;
    const read = under(scope.readPaths);
    const member = under(scope.memberPaths);
    const within = unitPath === undefined ? null : under([unitPath]);
    const [row] = await this.listStatements.query<{
      read: string[] | null;
      member: string[] | null;
      within: string[] | null;
    }>(
      `SELECT array_agg(o.id) FILTER (WHERE ${read}) AS read,
              array_agg(o.id) FILTER (WHERE ${member}) AS member,
              ${within === null ? 'NULL' : `array_agg(o.id) FILTER (WHERE ${within})`} AS within
         FROM org_units o
        WHERE ${within === null ? `${read} OR ${member}` : within}`,
      params.values,
    );
    const filter = within === null ? null : (row?.within ?? []);
    const keep = (ids: string[] | null | undefined) => {
      const list = ids ?? [];
      if (filter === null) return list;
      const inFilter = new Set(filter);
      return list.filter((id) => inFilter.has(id));
    };
    return { by: 'ids', read: keep(row?.read), member: keep(row?.member), filter };
  }

  /**
   * The streams' conditions: per state asked, the tasks of the readable units, and the tasks
   * for the caller themself (assigned, offered by id, or to the `member` group of their unit).
   */
  private streams(
    scope: TaskScope,
    units: ScopeUnits,
    filter: TaskListFilter,
    params: SqlParams,
  ): Stream[] {
    const common = this.filterSql(filter, inUnits(units, units.filter, params), params);
    const parts: { sql: string; few: boolean }[] = [];
    if (units.read.length > 0) parts.push({ sql: inUnits(units, units.read, params)!, few: false });
    if (scope.identities.length > 0 || units.member.length > 0) {
      const ids = params.add([...scope.identities], 'text[]');
      const member =
        units.member.length === 0
          ? ''
          : ` OR (${inUnits(units, units.member, params)!}
                 AND 'member' = ANY(t.candidate_groups) AND t.assignee IS NULL)`;
      parts.push({
        sql: `(t.assignee = ANY(${ids}) OR t.candidate_users && ${ids}${member})`,
        few: true,
      });
    }
    const states = filter.state === undefined ? TASK_STATES : [filter.state];
    return states.flatMap((state) => {
      const inState = `t.state = ${params.add(state, 'task_state')}`;
      return parts.map((part) => ({
        where: [...common, inState, part.sql].join(' AND '),
        few: part.few,
      }));
    });
  }

  /** The filters every stream shares. */
  private filterSql(filter: TaskListFilter, within: string | null, params: SqlParams): string[] {
    const where = [`t.kind = ${params.add(filter.kind, 'task_kind')}`];
    if (within !== null) where.push(within);
    if (filter.instanceId !== undefined)
      where.push(`t.instance_id = ${params.add(filter.instanceId, 'uuid')}`);
    if (filter.assignee !== undefined) where.push(`t.assignee = ${params.add(filter.assignee)}`);
    if (filter.candidateGroup !== undefined)
      where.push(`${params.add(filter.candidateGroup, 'text')} = ANY(t.candidate_groups)`);
    if (filter.candidateUser !== undefined)
      where.push(`t.candidate_users @> ARRAY[${params.add(filter.candidateUser, 'text')}]`);
    if (filter.templateKey !== undefined)
      where.push(`t.template_key = ${params.add(filter.templateKey)}`);
    if (filter.dueBefore !== undefined)
      where.push(`t.due_at < ${params.add(filter.dueBefore, 'timestamptz')}`);
    if (filter.overdue !== undefined) {
      // overdue: past its due time and open LEDGER_GRACE_DAYS (see effectiveDue in @app/ledger)
      const { now, openedBefore } = filter.overdue;
      const sql = `t.state = 'open' AND t.due_at IS NOT NULL AND t.due_at < ${params.add(now, 'timestamptz')}
        AND t.created_at < ${params.add(openedBefore, 'timestamptz')}`;
      where.push(filter.overdue.value ? sql : `NOT (${sql})`);
    }
    if (filter.light !== undefined) {
      const { light, now, yellowEnd, graceDays } = filter.light;
      // the effective due time (see effectiveDue): never less than the grace after opening
      const due = `GREATEST(t.due_at, t.created_at + ${params.add(`${graceDays} days`, 'interval')})`;
      switch (light) {
        case 'red': {
          const at = params.add(now, 'timestamptz');
          // due_at <= the effective due time: the bound is an index condition as well
          where.push(`t.state = 'open' AND t.due_at < ${at} AND ${due} < ${at}`);
          break;
        }
        case 'yellow':
          where.push(
            `t.state = 'open' AND t.due_at IS NOT NULL AND ${due} >= ${params.add(now, 'timestamptz')}
              AND t.due_at <= ${params.add(yellowEnd, 'timestamptz')} AND ${due} <= ${params.add(yellowEnd, 'timestamptz')}`,
          );
          break;
        case 'green':
          where.push(
            `t.state = 'open' AND (t.due_at IS NULL OR ${due} > ${params.add(yellowEnd, 'timestamptz')})`,
          );
          break;
      }
    }
    return where;
  }

  private pageQuery(
    scope: TaskScope,
    units: ScopeUnits,
    filter: TaskListFilter,
    page: TaskListPageRequest,
    position: Position | null,
  ): [string, unknown[]] {
    const params = new SqlParams();
    const streams = this.streams(scope, units, filter, params);
    if (streams.length === 0) return [`SELECT ${COLUMNS} FROM ${FROM} WHERE FALSE`, []];
    // bigint: a page far past the end (page 2147483647 of 100) is an offset beyond int's range
    const take = page.offset + page.limit + 1;
    const limit = params.add(take, 'bigint');
    const order = orderBy(page.sort);
    const after = position === null ? [''] : keyset(page.sort, position, params);
    const selects = streams.flatMap((stream) =>
      after.map((key) => select(stream, key, order, limit)),
    );
    // The page's keys in index order, then its rows by primary key, in one statement
    return [
      `SELECT ${microStamp('p.due_at')} AS due_key, ${microStamp('p.created_at')} AS created_key,
              ${COLUMNS}
         FROM (SELECT t.id, t.due_at, t.created_at FROM (${selects.join(' UNION ')}) t
                ORDER BY ${order} LIMIT ${limit} OFFSET ${params.add(page.offset, 'bigint')}) p
         JOIN tasks t ON t.id = p.id ${INSTANCE_JOINS}
        ORDER BY ${order.replaceAll('t.', 'p.')}`,
      params.values,
    ];
  }

  private countQuery(
    scope: TaskScope,
    units: ScopeUnits,
    filter: TaskListFilter,
    sort: TaskListSort,
  ): [string, unknown[]] {
    const params = new SqlParams();
    const streams = this.streams(scope, units, filter, params);
    if (streams.length === 0) return ['SELECT 0 AS n', []];
    // In the list's order, so each stream reads its index as the page does (never the table)
    const cap = params.add(TASK_COUNT_CAP + 1, 'int');
    const selects = streams.map((stream) => select(stream, '', orderBy(sort), cap));
    return [
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT t.id FROM (${selects.join(' UNION ALL ')}) t) t`,
      params.values,
    ];
  }
}

/**
 * The units of the scope (what it reads, where the caller is a member, and the unit filter's
 * subtree, null without one): their ids, read from org_units first; or their paths, matched
 * for each task in the statement (one instance's few tasks).
 */
interface ScopeUnits {
  readonly by: 'ids' | 'paths';
  readonly read: readonly string[];
  readonly member: readonly string[];
  readonly filter: readonly string[] | null;
}

/** The condition that a task's unit is one of `set` (ids or paths, as `units` holds them). */
function inUnits(
  units: ScopeUnits,
  set: readonly string[] | null,
  params: SqlParams,
): string | null {
  if (set === null) return null;
  if (units.by === 'ids') return `t.org_unit_id = ANY(${params.add([...set], 'text[]')})`;
  if (set.length === 0) return 'FALSE';
  const paths = [...new Set(set)].map((path) => `o.path LIKE ${params.add(likePrefix(path))}`);
  return `EXISTS (SELECT 1 FROM org_units o WHERE o.id = t.org_unit_id AND (${paths.join(' OR ')}))`;
}

/** How the task list's statements are run (see TasksRepository's constructor). */
export interface ListStatements {
  /** A statement planned for its values (an unnamed statement: custom plans). */
  query<T>(text: string, values: unknown[]): Promise<T[]>;
  /**
   * A statement kept prepared on its connection: one instance's page, the list polled after
   * every step, parsed and planned once per connection instead of once per request (as an
   * unnamed statement its planning alone took 0.7 ms, more than running it). Whatever the
   * units, the instance's key decides its plan (its index, a few rows to sort).
   */
  prepared<T>(text: string, values: unknown[]): Promise<T[]>;
}

/** The list's statements on the data source's pool (preparedQuery for the prepared one). */
function pooledListStatements(db: DataSource): ListStatements {
  return {
    query: <T>(text: string, values: unknown[]) => db.query<T[]>(text, values),
    prepared: <T>(text: string, values: unknown[]) => preparedQuery<T>(db, text, values),
  };
}

/** One part of the scope in one state: its conditions, and whether it holds few tasks. */
interface Stream {
  readonly where: string;
  /**
   * A person's own tasks: few, found through their indexes (assignee, candidate users, their
   * unit's) and sorted, never by walking the order's index in the hope of meeting them early.
   */
  readonly few: boolean;
}

/** One stream's first `limit` rows after `key`, in `order`. */
function select(stream: Stream, key: string, order: string, limit: string): string {
  const columns = 't.id, t.due_at, t.created_at';
  const from = stream.few
    ? `(SELECT ${columns} FROM tasks t WHERE ${stream.where}${key} OFFSET 0) t`
    : `tasks t WHERE ${stream.where}${key}`;
  return `(SELECT ${columns} FROM ${from} ORDER BY ${order} LIMIT ${limit})`;
}

function orderBy(sort: TaskListSort): string {
  return sort === 'created'
    ? 't.created_at DESC, t.id'
    : 't.due_at ASC NULLS LAST, t.created_at, t.id';
}

/**
 * The conditions of the rows after `position` in the sort's order, each an index range: for the
 * due order after a task with a due time, those due later (and at the same time, created later)
 * and, apart, those without one; after a task without, those without created later.
 */
function keyset(sort: TaskListSort, position: Position, params: SqlParams): string[] {
  const created = params.add(position.created, 'timestamptz');
  const id = params.add(position.id, 'uuid');
  if (sort === 'created') {
    return [` AND t.created_at <= ${created} AND (t.created_at < ${created} OR t.id > ${id})`];
  }
  if (position.due === null) {
    return [` AND t.due_at IS NULL AND (t.created_at, t.id) > (${created}, ${id})`];
  }
  const due = params.add(position.due, 'timestamptz');
  return [
    ` AND (t.due_at, t.created_at, t.id) > (${due}, ${created}, ${id})`,
    ' AND t.due_at IS NULL',
  ];
}

function taskCursor(sort: TaskListSort, row: KeyRow): string {
  return encodeCursor(
    sort === 'created'
      ? ['c', row.created_key, row.id]
      : ['d', row.due_key, row.created_key, row.id],
  );
}

function taskPosition(cursor: string, sort: TaskListSort): Position {
  if (sort === 'created') {
    const key = decodeCursor(cursor, 'c', 3);
    if (key !== null) {
      const [created, id] = key;
      if (isMicroInstant(created) && isUuid(id)) return { due: null, created, id };
    }
  } else {
    const key = decodeCursor(cursor, 'd', 4);
    if (key !== null) {
      const [due, created, id] = key;
      if ((due === null || isMicroInstant(due)) && isMicroInstant(created) && isUuid(id)) {
        return { due, created, id };
      }
    }
  }
  throw new TaskCursorError(`not a cursor of this list (sort=${sort})`);
}
