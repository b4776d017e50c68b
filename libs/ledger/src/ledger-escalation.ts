import type { DataSource, EntityManager } from 'typeorm';
import {
  type Actor,
  auditItem,
  dueBefore,
  findItem,
  lockStreams,
  writeEntry,
} from './ledger-items.js';
import type { LedgerItem } from './ledger.types.js';

/*
 * Escalation (督办) of overdue items: which items are due for it, and one level further up the
 * org tree. The worker's EscalationService runs the sweep and notifies.
 */

export interface Escalation {
  readonly item: LedgerItem;
  /** The unit it was escalated to (null when the item has no unit at all). */
  readonly escalatedTo: string | null;
  readonly escalations: number;
}

/** Items escalated per sweep at most (the next sweep takes the rest). */
export const ESCALATION_BATCH = 500;

/**
 * Which overdue items the ledger escalates (督办): manual ones, and a task's item when it has
 * an org unit to climb from (the condition in `escalateItem` is the same). A user task whose
 * instance has no org unit is left to the task path of the same sweep (apps/worker
 * EscalationService), which skips every task whose item this covers — so an overdue task is
 * escalated by one of the two paths, never both.
 */
export const LEDGER_OWNS_ESCALATION = `(source <> 'task' OR org_unit_id IS NOT NULL)`;

/**
 * Items to escalate at `now`: open or in progress, past due, not escalated since
 * `notSince` (now minus LEDGER_ESCALATION_EVERY). (`settled_at IS NULL` holds for each of
 * them; said here, it lets PostgreSQL read them from the partial index over unsettled items.)
 */
export async function dueForEscalation(
  db: DataSource,
  now: number,
  notSince: number,
  grace: string,
): Promise<string[]> {
  const rows = await db.query<{ id: string }[]>(
    `SELECT id FROM ledger_items
      WHERE state IN ('open', 'in_progress') AND due_at < $1 AND settled_at IS NULL
        AND created_at + $3::interval < $1
        AND (escalated_at IS NULL OR escalated_at <= $2)
        AND ${LEDGER_OWNS_ESCALATION}
      ORDER BY due_at, id LIMIT ${ESCALATION_BATCH}`,
    [new Date(now), new Date(notSince), grace],
  );
  return rows.map((row) => row.id);
}

/**
 * 督办 one level further up the tree, if the item still qualifies (conditional UPDATE: a
 * second sweep at the same time matches nothing and returns null). The first escalation goes
 * to the assessing unit (else the parent, else the unit itself), each next one to the parent
 * of the last, staying at the root once there. Writes the entry and the audit event in the
 * caller's transaction; notifying is the caller's.
 */
export async function escalateItem(
  manager: EntityManager,
  itemId: string,
  now: number,
  notSince: number,
  grace: string,
  actor: Actor,
): Promise<Escalation | null> {
  await lockStreams(manager, [itemId]);
  const [rows] = await manager.query<[{ id: string }[], number]>(
    `UPDATE ledger_items l
        SET escalations = l.escalations + 1, escalated_at = $2, updated_at = $2,
            escalated_to = CASE
              WHEN l.escalated_to IS NULL THEN COALESCE(l.assessing_unit_id,
                (SELECT parent_id FROM org_units WHERE id = l.org_unit_id), l.org_unit_id)
              ELSE COALESCE((SELECT parent_id FROM org_units WHERE id = l.escalated_to), l.escalated_to)
            END
      WHERE l.id = $1 AND l.state IN ('open', 'in_progress') AND ${dueBefore('l', '$2', '$4')}
        AND (l.escalated_at IS NULL OR l.escalated_at <= $3)
        AND (l.source <> 'task' OR l.org_unit_id IS NOT NULL)
      RETURNING l.id`,
    [itemId, new Date(now), new Date(notSince), grace],
  );
  if (rows.length === 0) return null;
  const item = await findItem(manager, itemId);
  const data = { escalatedTo: item.escalatedTo, escalations: item.escalations };
  await writeEntry(manager, itemId, 'escalated', actor, null, data, now);
  await auditItem(manager, item, 'ledger.escalated', actor, now, data);
  return { item, escalatedTo: item.escalatedTo, escalations: item.escalations };
}
