import { createHash } from 'node:crypto';
import { appendAudit } from '@app/audit';
import { likePrefix } from '@app/org';
import type { DataSource, EntityManager } from 'typeorm';
import { readOverdueBoard } from './overdue-board.js';
import { type Escalation, dueForEscalation, escalateItem } from './ledger-escalation.js';
import {
  type NewAttachment,
  attachToEntry,
  findAttachment,
  insertAttachment,
  itemAttachments,
  pendingAttachments,
  tooLarge,
} from './ledger-evidence.js';
import {
  type Actor,
  type ItemRow,
  ITEM_COLUMNS,
  ITEM_FROM,
  auditItem,
  dueBefore,
  expectState,
  findItem,
  lockItem,
  lockStreams,
  notFound,
  required,
  toItem,
  writeEntry,
} from './ledger-items.js';
import { type TransitionSpec, applyTransition } from './ledger-transitions.js';
import { LedgerException, LedgerExceptionCode } from './ledger.exception.js';
import {
  type LedgerAttachment,
  type LedgerEntry,
  type LedgerEntryKind,
  type LedgerItem,
  type LedgerList,
  type LedgerSource,
  type LedgerState,
  type NewLedgerItem,
  type TrafficLight,
  WORKING_STATES,
} from './ledger.types.js';
import { type Period } from './periods.js';
import {
  type CounterRepair,
  type CounterSettings,
  NO_COUNTS,
  type SubtreeCounts,
  prepareCounters,
  rebuildCounters,
  subtreeCounts,
  unitsUnder,
} from './rollup-counters.js';
import { yellowUntil } from './traffic-light.js';

export interface LedgerOptions {
  /** Days before the due time in which an item is yellow (LEDGER_YELLOW_DAYS). */
  readonly yellowDays: number;
  /**
   * Days (× 24 h) an item has after it was opened before it counts as due, whatever its due
   * time says (LEDGER_GRACE_DAYS; see `effectiveDue`). 0: none.
   */
  readonly graceDays?: number;
  /** The zone of the roll-ups' months and quarters (TIME_ZONE; default Asia/Shanghai). */
  readonly timeZone?: string;
}

export type { Actor } from './ledger-items.js';
export type { NewAttachment } from './ledger-evidence.js';
export { ESCALATION_BATCH, type Escalation, LEDGER_OWNS_ESCALATION } from './ledger-escalation.js';
export { ledgerStream } from './ledger-items.js';

/**
 * What a query may see: items of units under one of `paths` (grant paths of secretaries and
 * supervisors), and task items assigned to one of `identities`. null = everything (the worker).
 */
export interface LedgerScope {
  readonly paths: readonly string[];
  readonly identities: readonly string[];
}

export interface LedgerFilter {
  /** Text in the title or the standard (case-insensitive). */
  readonly q?: string;
  readonly list?: LedgerList;
  readonly state?: LedgerState;
  readonly source?: LedgerSource;
  /** Path of a unit: that unit's whole subtree. */
  readonly unitPath?: string;
  readonly light?: TrafficLight;
  /** true: open / in progress past due; false: not so. */
  readonly overdue?: boolean;
  /** true: escalated at least once; false: never. */
  readonly escalated?: boolean;
  /** Epoch ms, inclusive. */
  readonly dueFrom?: number;
  readonly dueTo?: number;
  readonly instanceId?: string;
  readonly sort?: 'due' | '-due' | 'created' | '-created' | 'escalations';
}

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

export interface ItemDetail {
  readonly item: LedgerItem;
  readonly entries: LedgerEntry[];
  readonly attachments: LedgerAttachment[];
}

export interface RollupRow {
  readonly orgUnitId: string;
  readonly orgUnitName: string;
  readonly period: string;
  readonly opened: number;
  readonly openAtEnd: number;
  readonly overdueAtEnd: number;
  readonly closed: number;
  readonly closedOnTime: number;
  readonly onTimeRate: number | null;
}

/** A unit's counts for one period (the cockpit's row): its whole subtree, as `rollup` counts. */
export interface UnitRollupRow {
  readonly orgUnitId: string;
  readonly orgUnitName: string;
  readonly kind: string;
  /** Direct child units (0: nothing to drill into but its items). */
  readonly childCount: number;
  /** Items on the ledger in the period: opened in it, open at its end or closed in it. */
  readonly total: number;
  readonly opened: number;
  readonly openAtEnd: number;
  readonly overdueAtEnd: number;
  /** Distinct items escalated (督办) in the period. */
  readonly escalated: number;
  readonly closed: number;
  readonly closedOnTime: number;
  readonly onTimeRate: number | null;
}

/**
 * The roll-up's facts per item and period, after a `units` CTE: parameters $1 the unit paths
 * read (LIKE prefixes), $2–$4 the periods' labels, starts and ends, $5 now, $6 the grace. An
 * unused column costs nothing: PostgreSQL drops the unused outputs of an inlined CTE. Items
 * settled before the first period or opened after the last are left out: they count nowhere.
 */
const ROLLUP_FACTS = `periods AS (
         SELECT p.*, LEAST(p.end_at, $5::timestamptz) AS as_of
           FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS p (label, start_at, end_at)),
       items AS (
         SELECT l.id, l.created_at, l.due_at, o.path FROM ledger_items l JOIN org_units o ON o.id = l.org_unit_id
          WHERE o.path LIKE ANY($1::text[]) AND l.state <> 'cancelled'
            -- Nothing of an item opened after the last period or settled (closed, not reopened
            -- since) before the first one counts: the cost follows the periods, not all history
            AND l.created_at < (SELECT max(end_at) FROM periods)
            AND (l.settled_at IS NULL OR l.settled_at >= (SELECT min(start_at) FROM periods))),
       facts AS (
         SELECT i.id, i.path, p.label,
                i.created_at >= p.start_at AND i.created_at < p.end_at AS opened,
                i.created_at < p.end_at AND i.created_at <= $5 AND last.kind IS DISTINCT FROM 'closed' AS open_at_end,
                i.created_at < p.end_at AND i.created_at <= $5 AND last.kind IS DISTINCT FROM 'closed'
                  AND ${dueBefore('i', 'p.as_of', '$6')} AS overdue_at_end,
                closing.on_time IS NOT NULL AS closed,
                COALESCE(closing.on_time, false) AS closed_on_time,
                EXISTS (SELECT 1 FROM ledger_entries e
                         WHERE e.item_id = i.id AND e.kind = 'escalated'
                           AND e.at >= p.start_at AND e.at < p.end_at) AS escalated
           FROM items i CROSS JOIN periods p
           LEFT JOIN LATERAL (
             SELECT e.kind::text AS kind FROM ledger_entries e
              WHERE e.item_id = i.id AND e.kind IN ('closed', 'reopened') AND e.at < p.end_at AND e.at <= $5
              ORDER BY e.at DESC, e.seq DESC LIMIT 1) last ON TRUE
           LEFT JOIN LATERAL (
             SELECT COALESCE((e.data->>'onTime')::boolean, false) AS on_time FROM ledger_entries e
              WHERE e.item_id = i.id AND e.kind = 'closed' AND e.at >= p.start_at AND e.at < p.end_at
              ORDER BY e.at DESC, e.seq DESC LIMIT 1) closing ON TRUE)`;

/** The cockpit's counts of a group of `facts f`. */
const UNIT_COUNTS = `count(f.id) FILTER (WHERE f.opened OR f.open_at_end OR f.closed)::int AS total,
  count(f.id) FILTER (WHERE f.opened)::int AS opened,
  count(f.id) FILTER (WHERE f.open_at_end)::int AS open_at_end,
  count(f.id) FILTER (WHERE f.overdue_at_end)::int AS overdue_at_end,
  count(f.id) FILTER (WHERE f.escalated)::int AS escalated,
  count(f.id) FILTER (WHERE f.closed)::int AS closed,
  count(f.id) FILTER (WHERE f.closed_on_time)::int AS closed_on_time`;

/** Rows an export holds at most. */
export const EXPORT_LIMIT = 50_000;

/**
 * The 挂账销号 ledger in PostgreSQL. Every change is one transaction: the item row is locked, its
 * state checked (409 with the current state otherwise), updated with a conditional UPDATE, an
 * entry written to `ledger_entries`, and an audit event appended — to the instance's stream for
 * task items (one chain tells the instance's whole story), to `ledger:<itemId>` for items opened
 * by hand. Access rules live in ledger-access.ts; callers check them before calling.
 */
export class LedgerStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: { now(): number },
    private readonly options: LedgerOptions,
  ) {}

  get yellowDays(): number {
    return this.options.yellowDays;
  }

  get graceDays(): number {
    return this.options.graceDays ?? 0;
  }

  /** The grace as a PostgreSQL interval value. */
  private get grace(): string {
    return `${this.graceDays * 24} hours`;
  }

  now(): number {
    return this.clock.now();
  }

  /** What the maintained roll-up counters are computed with (see rollup-counters.ts). */
  private get counterSettings(): CounterSettings {
    return { timeZone: this.options.timeZone ?? 'Asia/Shanghai', grace: this.grace };
  }

  /**
   * The roll-up counters brought up to date: the items changed since the last refresh
   * refreshed, the deltas folded (the worker's `ledger-rollup` job; reads do the same first).
   */
  refreshCounters(): Promise<void> {
    return prepareCounters(this.dataSource, this.counterSettings, this.clock.now());
  }

  /**
   * `cli ledger recount`: every item's roll-up facts and the counters recounted from the items,
   * answering the counters that had drifted (now mended).
   */
  recountCounters(): Promise<CounterRepair[]> {
    return rebuildCounters(this.dataSource, this.counterSettings);
  }

  /**
   * The item's org unit: `{ orgUnitId }` (null for an item without a unit), or null when there
   * is no such item; by primary key.
   */
  async orgUnitOf(id: string): Promise<{ readonly orgUnitId: string | null } | null> {
    const [row] = await this.dataSource.query<{ org_unit_id: string | null }[]>(
      `SELECT org_unit_id FROM ledger_items WHERE id = $1`,
      [id],
    );
    return row ? { orgUnitId: row.org_unit_id } : null;
  }

  /** The item, or LEDGER_ITEM_NOT_FOUND. */
  item(id: string, manager: EntityManager = this.dataSource.manager): Promise<LedgerItem> {
    return findItem(manager, id);
  }

  async detail(id: string): Promise<ItemDetail> {
    const item = await this.item(id);
    const entries = await this.dataSource.query<
      {
        id: string;
        kind: LedgerEntryKind;
        actor: string;
        note: string | null;
        data: Record<string, unknown>;
        at: Date;
      }[]
    >(
      `SELECT id, kind::text AS kind, actor, note, data, at FROM ledger_entries
        WHERE item_id = $1 ORDER BY at, seq`,
      [id],
    );
    return { item, entries, attachments: await this.attachments(id) };
  }

  attachments(itemId: string): Promise<LedgerAttachment[]> {
    return itemAttachments(this.dataSource, itemId);
  }

  /** One attachment with its bytes, or LEDGER_ATTACHMENT_NOT_FOUND. */
  attachment(
    itemId: string,
    attachmentId: string,
  ): Promise<LedgerAttachment & { content: Buffer }> {
    return findAttachment(this.dataSource, itemId, attachmentId);
  }

  /** The path of an org unit, or null when there is none. */
  async unitPath(orgUnitId: string, manager: EntityManager = this.dataSource.manager) {
    const [row] = await manager.query<{ path: string }[]>(
      `SELECT path FROM org_units WHERE id = $1`,
      [orgUnitId],
    );
    return row?.path ?? null;
  }

  /** Opens an item by hand on one of the three lists, with all four 明确. */
  async create(input: NewLedgerItem, actor: Actor): Promise<LedgerItem> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      for (const [field, unit] of [
        ['orgUnitId', input.orgUnitId],
        ['assessingUnitId', input.assessingUnitId],
      ] as const) {
        if ((await this.unitPath(unit, manager)) === null) {
          throw new LedgerException(LedgerExceptionCode.INVALID_INPUT, `${field}：未找到该党组织`, [
            { field, message: `${field}：未找到该党组织` },
          ]);
        }
      }
      const [row] = await manager.query<{ id: string }[]>(
        `INSERT INTO ledger_items (list, source, title, standard, org_unit_id, responsible,
           assessing_unit_id, due_at, created_by, created_at, updated_at)
         VALUES ($1, 'manual', $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
        [
          input.list,
          input.title,
          input.standard,
          input.orgUnitId,
          input.responsible,
          input.assessingUnitId,
          new Date(input.dueAt),
          actor,
          new Date(now),
        ],
      );
      const id = row.id;
      await writeEntry(manager, id, 'opened', actor, null, { list: input.list }, now);
      await appendAudit(manager, `ledger:${id}`, [
        {
          type: 'ledger.opened',
          actor,
          at: now,
          data: { itemId: id, ...input, dueAt: new Date(input.dueAt).toISOString() },
        },
      ]);
      return this.item(id, manager);
    });
  }

  /** A progress update (with a note): open → in_progress, or in_progress again. */
  progress(id: string, note: string, actor: Actor): Promise<LedgerItem> {
    return this.transition(id, actor, {
      from: ['open', 'in_progress'],
      to: 'in_progress',
      kind: 'progress',
      note: required(note, 'note', '报告进展时请填写说明'),
    });
  }

  /**
   * Keeps an evidence file (size and sha256 computed here); it joins the next submission. The
   * item must still be worked on (open / in progress).
   */
  async addAttachment(
    itemId: string,
    file: NewAttachment,
    actor: Actor,
    maxBytes: number,
  ): Promise<LedgerAttachment> {
    if (file.content.length > maxBytes) throw tooLarge(maxBytes);
    const now = this.clock.now();
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    return this.dataSource.transaction(async (manager) => {
      const item = await lockItem(manager, itemId);
      expectState(item, WORKING_STATES, '上传佐证材料');
      const attachment = await insertAttachment(manager, itemId, file, sha256, actor, now);
      await auditItem(manager, item, 'ledger.attachment.added', actor, now, {
        attachmentId: attachment.id,
        fileName: attachment.fileName,
        contentType: attachment.contentType,
        sizeBytes: attachment.sizeBytes,
        sha256,
      });
      return attachment;
    });
  }

  /**
   * Submits with evidence: a note and/or attachments (`attachmentIds`, default every attachment
   * not yet part of a submission). Neither → LEDGER_EVIDENCE_REQUIRED. A task item is submitted
   * by completing its task; through here only once the task is done (after a rejection).
   */
  submit(
    id: string,
    evidence: { note?: string | null; attachmentIds?: readonly string[] },
    actor: Actor,
  ): Promise<LedgerItem> {
    const note = evidence.note?.trim() || null;
    let attached: string[] = [];
    return this.transition(id, actor, {
      from: ['open', 'in_progress'],
      to: 'submitted',
      kind: 'submitted',
      note,
      set: { submitted_at: new Date(this.clock.now()) },
      check: async (manager, item) => {
        if (item.source === 'task' && item.taskState === 'open') {
          throw new LedgerException(
            LedgerExceptionCode.WRONG_STATE,
            '该事项属于一个尚未办结的任务：请办理该任务，任务完成时即提交',
            { state: item.state, taskState: item.taskState },
          );
        }
        attached = await pendingAttachments(manager, id, evidence.attachmentIds ?? null);
        const missing = (evidence.attachmentIds ?? []).filter((a) => !attached.includes(a));
        if (missing.length > 0) {
          throw new LedgerException(
            LedgerExceptionCode.INVALID_INPUT,
            `所选佐证材料不是该事项待提交的材料：${missing.join('、')}`,
            missing.map((a) => ({
              field: 'attachmentIds',
              message: `attachmentIds：${a} 不是待提交的佐证材料`,
            })),
          );
        }
        if (note === null && attached.length === 0) {
          throw new LedgerException(
            LedgerExceptionCode.EVIDENCE_REQUIRED,
            '提交前请填写说明或上传至少一份佐证材料',
            [{ field: 'note', message: 'note：请填写说明或上传至少一份佐证材料' }],
          );
        }
        return { attachmentIds: attached };
      },
      after: async (manager, _item, entryId) => {
        if (attached.length === 0) return;
        await attachToEntry(manager, id, entryId, attached);
      },
    });
  }

  /** 销号: submitted → closed. `onTime` (submitted by the due time) is kept on the entry. */
  verify(id: string, note: string | null, actor: Actor): Promise<LedgerItem> {
    return this.transition(id, actor, this.verifySpec(note, actor));
  }

  private verifySpec(note: string | null, actor: Actor): TransitionSpec {
    const now = new Date(this.clock.now());
    return {
      from: ['submitted'],
      to: 'closed',
      kind: 'closed',
      note: note?.trim() || null,
      set: { closed_at: now, closed_by: actor, settled_at: now },
      check: (_manager, item) =>
        Promise.resolve({
          onTime:
            item.dueAt === null ||
            (item.submittedAt !== null && item.submittedAt.getTime() <= item.dueAt.getTime()),
          submittedAt: item.submittedAt?.toISOString() ?? null,
        }),
    };
  }

  /** Rejected back to the responsible side: submitted → in_progress, with a reason. */
  reject(id: string, reason: string, actor: Actor): Promise<LedgerItem> {
    return this.transition(id, actor, {
      from: ['submitted'],
      to: 'in_progress',
      kind: 'rejected',
      note: required(reason, 'reason', '退回时请填写原因'),
    });
  }

  /**
   * 回头看: a closed item reopened (closed → in_progress) with a reason, optionally a new due
   * time (then escalation starts again from the first level).
   */
  reopen(id: string, reason: string, dueAt: number | null, actor: Actor): Promise<LedgerItem> {
    return this.transition(id, actor, {
      from: ['closed'],
      to: 'in_progress',
      kind: 'reopened',
      note: required(reason, 'reason', '重新打开（回头看）时请填写原因'),
      data: dueAt === null ? {} : { dueAt: new Date(dueAt).toISOString() },
      set: {
        closed_at: null,
        closed_by: null,
        settled_at: null,
        reopened: { sql: 'reopened + 1' },
        ...(dueAt === null
          ? {}
          : { due_at: new Date(dueAt), escalated_at: null, escalated_to: null }),
      },
    });
  }

  /**
   * The items a page shows, with the total. `scope` limits what is visible, `filter` narrows.
   */
  async search(
    scope: LedgerScope | null,
    filter: LedgerFilter,
    page: Page,
  ): Promise<{ items: LedgerItem[]; total: number }> {
    const params: unknown[] = [];
    const where = this.where(scope, filter, params);
    params.push(page.limit, page.offset);
    const rows = await this.dataSource.query<(ItemRow & { total: number })[]>(
      `SELECT ${ITEM_COLUMNS}, count(*) OVER ()::int AS total FROM ${ITEM_FROM}
        WHERE ${where} ORDER BY ${orderBy(filter.sort)}
        LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    if (rows.length === 0 && page.offset > 0) {
      const [count] = await this.dataSource.query<{ total: number }[]>(
        `SELECT count(*)::int AS total FROM ${ITEM_FROM} WHERE ${where}`,
        params.slice(0, -2),
      );
      return { items: [], total: count?.total ?? 0 };
    }
    return { items: rows.map(toItem), total: rows[0]?.total ?? 0 };
  }

  /** The rows of an export (at most EXPORT_LIMIT, by due time). */
  async exportRows(scope: LedgerScope | null, filter: LedgerFilter): Promise<LedgerItem[]> {
    const params: unknown[] = [];
    const where = this.where(scope, filter, params);
    const rows = await this.dataSource.query<ItemRow[]>(
      `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE ${where} ORDER BY ${orderBy(filter.sort)} LIMIT ${EXPORT_LIMIT}`,
      params,
    );
    return rows.map(toItem);
  }

  /**
   * The overdue board: items not settled that are open / in progress past due (red), or were
   * escalated: red first, then the most escalated, then by due time — a page read in index
   * order (see overdue-board.ts), continued by `cursor`, with a count capped at
   * BOARD_COUNT_CAP.
   */
  async overdue(
    scope: LedgerScope,
    unitPath: string | null,
    page: Page & { readonly cursor?: string },
  ): Promise<{ items: LedgerItem[]; total: number; capped: boolean; nextCursor: string | null }> {
    const board = await readOverdueBoard(this.dataSource, scope, {
      ...page,
      unitPath,
      now: new Date(this.clock.now()),
      grace: this.grace,
    });
    const rows =
      board.ids.length === 0
        ? []
        : await this.dataSource.query<ItemRow[]>(
            `SELECT ${ITEM_COLUMNS} FROM ${ITEM_FROM} WHERE l.id = ANY($1::uuid[])`,
            [board.ids],
          );
    const byId = new Map(rows.map((row) => [row.id, toItem(row)]));
    return {
      items: board.ids.flatMap((id) => byId.get(id) ?? []),
      total: board.total,
      capped: board.capped,
      nextCursor: board.nextCursor,
    };
  }

  /**
   * The process an item belongs to, as a person reads it: its step's name and its template's
   * (null for an item opened by hand). One statement for a page.
   */
  async processNames(
    itemIds: readonly string[],
  ): Promise<Map<string, { stepName: string | null; templateName: string | null }>> {
    if (itemIds.length === 0) return new Map();
    const rows = await this.dataSource.query<
      { id: string; step_name: string | null; template_name: string | null }[]
    >(
      `SELECT l.id, t.name AS step_name, d.name AS template_name
         FROM ledger_items l
         LEFT JOIN tasks t ON t.id = l.task_id
         LEFT JOIN process_instances i ON i.id = l.instance_id
         LEFT JOIN process_definitions d ON d.id = i.definition_id
        WHERE l.id = ANY($1::uuid[])`,
      [itemIds],
    );
    return new Map(
      rows.map((row) => [row.id, { stepName: row.step_name, templateName: row.template_name }]),
    );
  }

  /**
   * Per org unit under `rootPaths` (each counting its whole subtree) and period: items opened
   * in the period; open at its end (not closed then) — for a period not yet over, as of now, not
   * of its future end; overdue at that moment (open then and due, with the grace, before it); closed in it (distinct items with a 销号 in the period); closed on time (of
   * those, the last closure in the period accepted a submission made by the due time); on-time
   * rate = closed on time / closed (null without closures). Cancelled items count nowhere.
   */
  async rollup(rootPaths: readonly string[], periods: readonly Period[]): Promise<RollupRow[]> {
    const now = this.clock.now();
    if (rootPaths.length === 0 || periods.length === 0) return [];
    await prepareCounters(this.dataSource, this.counterSettings, now);
    const units = await this.dataSource.query<{ id: string; name: string; path: string }[]>(
      `SELECT id, name, path FROM org_units WHERE path LIKE ANY($1::text[]) ORDER BY path`,
      [rootPaths.map(likePrefix)],
    );
    const counts = await subtreeCounts(
      this.dataSource.manager,
      units,
      units.map((unit) => unit.path),
      periods,
      now,
      this.grace,
    );
    return units.flatMap((unit) =>
      periods.map((period) => {
        const row = counts.get(unit.path)?.get(period.label) ?? NO_COUNTS;
        return {
          orgUnitId: unit.id,
          orgUnitName: unit.name,
          period: period.label,
          opened: row.opened,
          openAtEnd: row.openAtEnd,
          overdueAtEnd: row.overdueAtEnd,
          closed: row.closed,
          closedOnTime: row.closedOnTime,
          onTimeRate: row.closed === 0 ? null : row.closedOnTime / row.closed,
        };
      }),
    );
  }

  /**
   * `rollup` recounted from the items and their entries (the computation the counters
   * replace, kept as their reference: the property test and `cli ledger recount` compare).
   */
  async recountRollup(
    rootPaths: readonly string[],
    periods: readonly Period[],
  ): Promise<RollupRow[]> {
    const now = this.clock.now();
    if (rootPaths.length === 0 || periods.length === 0) return [];
    const rows = await this.dataSource.query<
      {
        org_unit_id: string;
        name: string;
        period: string;
        opened: number;
        open_at_end: number;
        overdue_at_end: number;
        closed: number;
        closed_on_time: number;
      }[]
    >(
      `WITH units AS (
         SELECT id, name, path FROM org_units WHERE path LIKE ANY($1::text[])),
       ${ROLLUP_FACTS}
       SELECT u.id AS org_unit_id, u.name, p.label AS period,
              count(f.id) FILTER (WHERE f.opened)::int AS opened,
              count(f.id) FILTER (WHERE f.open_at_end)::int AS open_at_end,
              count(f.id) FILTER (WHERE f.overdue_at_end)::int AS overdue_at_end,
              count(f.id) FILTER (WHERE f.closed)::int AS closed,
              count(f.id) FILTER (WHERE f.closed_on_time)::int AS closed_on_time
         FROM units u CROSS JOIN periods p
         LEFT JOIN facts f ON f.label = p.label AND f.path LIKE u.path || '%'
        GROUP BY u.id, u.name, u.path, p.label, p.start_at
        ORDER BY u.path, p.start_at`,
      [
        rootPaths.map(likePrefix),
        periods.map((p) => p.label),
        periods.map((p) => new Date(p.start)),
        periods.map((p) => new Date(p.end)),
        new Date(now),
        this.grace,
      ],
    );
    return rows.map((row) => ({
      orgUnitId: row.org_unit_id,
      orgUnitName: row.name,
      period: row.period,
      opened: row.opened,
      openAtEnd: row.open_at_end,
      overdueAtEnd: row.overdue_at_end,
      closed: row.closed,
      closedOnTime: row.closed_on_time,
      onTimeRate: row.closed === 0 ? null : row.closed_on_time / row.closed,
    }));
  }

  /**
   * The cockpit's level: one page of units (the direct children of `parentPath`, or, without
   * one, the units at `rootPaths`), by name, each counting its whole subtree for `period` as
   * `rollup` counts, plus the items escalated (督办) in the period and everything in play; and
   * the parent's own row. Cost follows the page: only the page's subtrees are read (and the
   * parent's, for its row).
   */
  async unitRollup(
    level: { readonly parentPath: string } | { readonly rootPaths: readonly string[] },
    period: Period,
    page: Page,
    /** Recount from the items instead of reading the counters (the reference). */
    options: { readonly recount?: boolean } = {},
  ): Promise<{
    parent: UnitRollupRow | null;
    /** The parent and the units above it, topmost first, with their paths (for a breadcrumb). */
    trail: { orgUnitId: string; orgUnitName: string; path: string }[];
    rows: UnitRollupRow[];
    total: number;
  }> {
    interface UnitRow {
      id: string;
      name: string;
      kind: string;
      path: string;
      child_count: number;
      total: number;
    }
    const unitColumns = `u.id, u.name, u.kind::text AS kind, u.path,
      (SELECT count(*) FROM org_units c WHERE c.parent_id = u.id)::int AS child_count`;
    const [parent] =
      'parentPath' in level
        ? await this.dataSource.query<UnitRow[]>(
            `SELECT ${unitColumns}, 1 AS total FROM org_units u WHERE u.path = $1`,
            [level.parentPath],
          )
        : [];
    const units = await this.dataSource.query<UnitRow[]>(
      `SELECT ${unitColumns}, count(*) OVER ()::int AS total FROM org_units u
        WHERE ${'parentPath' in level ? 'u.parent_id = (SELECT id FROM org_units WHERE path = $1)' : 'u.path = ANY($1::text[])'}
        ORDER BY u.name, u.id LIMIT $2 OFFSET $3`,
      ['parentPath' in level ? level.parentPath : level.rootPaths, page.limit, page.offset],
    );
    const trail =
      parent === undefined
        ? []
        : await this.dataSource.query<{ orgUnitId: string; orgUnitName: string; path: string }[]>(
            `SELECT id AS "orgUnitId", name AS "orgUnitName", path FROM org_units
              WHERE starts_with($1, path) ORDER BY length(path)`,
            [parent.path],
          );
    const counted = parent === undefined ? units : [parent, ...units];
    if (counted.length === 0) return { parent: null, trail, rows: [], total: 0 };
    const now = this.clock.now();
    const widest = (parent === undefined ? units : [parent]).map((unit) => likePrefix(unit.path));
    const byPath = options.recount
      ? await this.recountUnitCounts(widest, parent, units, period, now)
      : await this.countedUnitCounts(
          widest,
          counted.map((unit) => unit.path),
          period,
          now,
        );
    const toRow = (unit: UnitRow): UnitRollupRow => {
      const row = byPath.get(unit.path) ?? NO_COUNTS;
      return {
        orgUnitId: unit.id,
        orgUnitName: unit.name,
        kind: unit.kind,
        childCount: unit.child_count,
        ...row,
        onTimeRate: row.closed === 0 ? null : row.closedOnTime / row.closed,
      };
    };
    return {
      parent: parent === undefined ? null : toRow(parent),
      trail,
      rows: units.map(toRow),
      total: units[0]?.total ?? (await this.countUnits(level)),
    };
  }

  private async countedUnitCounts(
    widest: readonly string[],
    targets: readonly string[],
    period: Period,
    now: number,
  ): Promise<Map<string, SubtreeCounts>> {
    await prepareCounters(this.dataSource, this.counterSettings, now);
    const counts = await subtreeCounts(
      this.dataSource.manager,
      await unitsUnder(this.dataSource.manager, widest),
      targets,
      [period],
      now,
      this.grace,
    );
    return new Map(
      [...counts].map(([path, byLabel]) => [path, byLabel.get(period.label) ?? NO_COUNTS]),
    );
  }

  /** The cockpit's counts recounted from the items (the reference the counters replace). */
  private async recountUnitCounts(
    widest: readonly string[],
    parent: { path: string } | undefined,
    units: readonly { path: string }[],
    period: Period,
    now: number,
  ): Promise<Map<string, SubtreeCounts>> {
    const counts = await this.dataSource.query<
      {
        path: string;
        total: number;
        opened: number;
        open_at_end: number;
        overdue_at_end: number;
        escalated: number;
        closed: number;
        closed_on_time: number;
      }[]
    >(
      parent === undefined
        ? // A few topmost units: each counts the items under its path
          `WITH units AS (SELECT unnest($7::text[]) AS path),
           ${ROLLUP_FACTS}
           SELECT u.path, ${UNIT_COUNTS}
             FROM units u LEFT JOIN facts f ON f.path LIKE u.path || '%'
            GROUP BY u.path`
        : // A parent's subtree, read once: each item counts for the child its path passes
          // through (the segment after the parent's), and all of them for the parent
          `WITH ${ROLLUP_FACTS},
           keyed AS (
             SELECT f.*, $7::text || split_part(substr(f.path, length($7::text) + 1), '/', 1) || '/' AS child
               FROM facts f)
           SELECT COALESCE(f.child, $7::text) AS path, ${UNIT_COUNTS}
             FROM keyed f
            GROUP BY GROUPING SETS ((f.child), ())`,
      [
        // The parent's subtree holds its children's: only the widest paths are read
        widest,
        [period.label],
        [new Date(period.start)],
        [new Date(period.end)],
        new Date(now),
        this.grace,
        parent === undefined ? units.map((unit) => unit.path) : parent.path,
      ],
    );
    return new Map(
      counts.map((row) => [
        row.path,
        {
          total: row.total,
          opened: row.opened,
          openAtEnd: row.open_at_end,
          overdueAtEnd: row.overdue_at_end,
          escalated: row.escalated,
          closed: row.closed,
          closedOnTime: row.closed_on_time,
        },
      ]),
    );
  }

  /** How many units a level holds (for a page past its end). */
  private async countUnits(
    level: { readonly parentPath: string } | { readonly rootPaths: readonly string[] },
  ): Promise<number> {
    const [row] = await this.dataSource.query<{ total: number }[]>(
      'parentPath' in level
        ? `SELECT count(*)::int AS total FROM org_units
            WHERE parent_id = (SELECT id FROM org_units WHERE path = $1)`
        : `SELECT count(*)::int AS total FROM org_units WHERE path = ANY($1::text[])`,
      ['parentPath' in level ? level.parentPath : level.rootPaths],
    );
    return row?.total ?? 0;
  }

  /**
   * Items to escalate at `now`: open or in progress, past due, not escalated since
   * `notSince` (now minus LEDGER_ESCALATION_EVERY); see ledger-escalation.ts.
   */
  dueForEscalation(now: number, notSince: number): Promise<string[]> {
    return dueForEscalation(this.dataSource, now, notSince, this.grace);
  }

  /**
   * 督办 one level further up the tree, if the item still qualifies (null when it does not),
   * in the caller's transaction; notifying is the caller's. See ledger-escalation.ts.
   */
  escalate(
    manager: EntityManager,
    itemId: string,
    now: number,
    notSince: number,
    actor: Actor,
  ): Promise<Escalation | null> {
    return escalateItem(manager, itemId, now, notSince, this.grace, actor);
  }

  private where(scope: LedgerScope | null, filter: LedgerFilter, params: unknown[]): string {
    const conditions: string[] = [];
    const add = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (scope !== null) {
      const paths = add(scope.paths.map(likePrefix));
      const ids = add(scope.identities);
      conditions.push(`(o.path LIKE ANY(${paths}::text[]) OR t.assignee = ANY(${ids}::text[]))`);
    }
    if (filter.q !== undefined && filter.q.trim() !== '') {
      const q = add(`%${filter.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`(l.title ILIKE ${q} OR l.standard ILIKE ${q})`);
    }
    if (filter.list) conditions.push(`l.list = ${add(filter.list)}::ledger_list`);
    if (filter.state) conditions.push(`l.state = ${add(filter.state)}::ledger_state`);
    if (filter.source) conditions.push(`l.source = ${add(filter.source)}`);
    if (filter.instanceId) conditions.push(`l.instance_id = ${add(filter.instanceId)}::uuid`);
    if (filter.unitPath !== undefined)
      conditions.push(`o.path LIKE ${add(likePrefix(filter.unitPath))}`);
    if (filter.dueFrom !== undefined)
      conditions.push(`l.due_at >= ${add(new Date(filter.dueFrom))}`);
    if (filter.dueTo !== undefined) conditions.push(`l.due_at <= ${add(new Date(filter.dueTo))}`);
    if (filter.escalated !== undefined) {
      conditions.push(filter.escalated ? 'l.escalations > 0' : 'l.escalations = 0');
    }
    const now = this.clock.now();
    if (filter.overdue !== undefined || filter.light !== undefined) {
      const grace = `${add(this.grace)}::text`;
      // Parameters only when used: an unused one has no type PostgreSQL can tell
      let nowParam: string | undefined;
      const past = () => {
        nowParam ??= `${add(new Date(now))}::timestamptz`;
        return dueBefore('l', nowParam, grace);
      };
      const until = () =>
        `${add(new Date(yellowUntil(now, this.options.yellowDays)))}::timestamptz`;
      if (filter.overdue !== undefined) {
        const overdue = `(l.state IN ('open', 'in_progress') AND ${past()})`;
        conditions.push(filter.overdue ? overdue : `NOT ${overdue}`);
      }
      const live = `l.state IN ('open', 'in_progress', 'submitted')`;
      const byUntil = () => {
        const at = until();
        return `(l.due_at <= ${at} AND l.created_at + ${grace}::interval <= ${at})`;
      };
      switch (filter.light) {
        case undefined:
          break;
        case 'red':
          conditions.push(`${live} AND ${past()}`);
          break;
        case 'yellow':
          conditions.push(`${live} AND NOT ${past()} AND ${byUntil()}`);
          break;
        case 'green':
          conditions.push(`${live} AND (l.due_at IS NULL OR NOT ${byUntil()})`);
          break;
      }
    }
    return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
  }

  private async transition(id: string, actor: Actor, spec: TransitionSpec): Promise<LedgerItem> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const item = await lockItem(manager, id);
      return applyTransition(manager, item, actor, spec, now);
    });
  }

  /**
   * Bulk 销号: every item submitted → closed in ONE transaction, all or nothing. The rows are
   * locked in id order (two bulk requests never deadlock); an unknown id fails the whole request
   * with the 404 of that id, an item not submitted (a double submit: already closed) with 409
   * naming every such item and its state (`details.items`). Each closure is one entry and one
   * audit event, as a single 销号 is. Access is the caller's to check first.
   */
  async verifyMany(
    ids: readonly string[],
    note: string | null,
    actor: Actor,
  ): Promise<LedgerItem[]> {
    const unique = [...new Set(ids)].sort();
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      await lockStreams(manager, unique);
      const rows = await manager.query<{ id: string }[]>(
        `SELECT id FROM ledger_items WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [unique],
      );
      const found = new Set(rows.map((row) => row.id));
      const missing = unique.find((id) => !found.has(id));
      if (missing !== undefined) throw notFound(missing);
      const items: LedgerItem[] = [];
      for (const id of unique) items.push(await this.item(id, manager));
      const wrong = items.filter((item) => item.state !== 'submitted');
      if (wrong.length > 0) {
        throw new LedgerException(
          LedgerExceptionCode.WRONG_STATE,
          `所选的 ${items.length} 项中有 ${wrong.length} 项不是「已提交」状态，不能销号（只有已提交的事项可以销号）；全部未销号`,
          { items: wrong.map((item) => ({ id: item.id, state: item.state })) },
        );
      }
      const closed: LedgerItem[] = [];
      for (const item of items) {
        closed.push(await applyTransition(manager, item, actor, this.verifySpec(note, actor), now));
      }
      return closed;
    });
  }
}

function orderBy(sort: LedgerFilter['sort']): string {
  switch (sort ?? 'due') {
    case 'due':
      return 'l.due_at ASC NULLS LAST, l.created_at, l.id';
    case '-due':
      return 'l.due_at DESC NULLS LAST, l.created_at, l.id';
    case 'created':
      return 'l.created_at, l.id';
    case '-created':
      return 'l.created_at DESC, l.id';
    case 'escalations':
      return 'l.escalations DESC, l.due_at ASC NULLS LAST, l.id';
  }
}

/** Exported for the api, which refuses an oversized upload before reading it all. */
export { tooLarge as attachmentTooLarge };

/** Exported for the api: an item outside the caller's scope gets exactly this (404). */
export { notFound as ledgerItemNotFound };
