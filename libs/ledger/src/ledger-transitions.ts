import type { EntityManager } from 'typeorm';
import {
  type Actor,
  auditItem,
  expectState,
  findItem,
  verbOf,
  wrongState,
  writeEntry,
} from './ledger-items.js';
import type { LedgerEntryKind, LedgerItem, LedgerState } from './ledger.types.js';

/*
 * Transitions: an item's change of state — checked, made with a conditional UPDATE, written
 * to its history and its audit stream — as a TransitionSpec says. LedgerStore builds the specs
 * (progress, submit, 销号, reject, 回头看) and holds the transaction.
 */

export interface TransitionSpec {
  readonly from: readonly LedgerState[];
  readonly to: LedgerState;
  readonly kind: LedgerEntryKind;
  readonly note?: string | null;
  readonly data?: Record<string, unknown>;
  /** Extra `column = value` assignments. */
  readonly set?: Record<string, unknown>;
  /** Runs with the item locked and its state checked, before the update; may refuse. */
  readonly check?: (manager: EntityManager, item: LedgerItem) => Promise<Record<string, unknown>>;
  /** Runs after the entry is written (e.g. to link attachments to it). */
  readonly after?: (manager: EntityManager, item: LedgerItem, entryId: string) => Promise<void>;
}

/**
 * Applies `spec` to the locked `item` in the caller's transaction: refused unless its state is
 * one of `spec.from` (and `spec.check` agrees), then the conditional UPDATE, the entry, `after`
 * and the audit event; answers the item as changed.
 */
export async function applyTransition(
  manager: EntityManager,
  item: LedgerItem,
  actor: Actor,
  spec: TransitionSpec,
  now: number,
): Promise<LedgerItem> {
  const id = item.id;
  {
    expectState(item, spec.from, verbOf(spec.kind));
    const extra = spec.check ? await spec.check(manager, item) : {};
    const params: unknown[] = [id, item.state, spec.to, new Date(now)];
    const assignments = Object.entries(spec.set ?? {}).map(([column, value]) => {
      if (typeof value === 'object' && value !== null && 'sql' in value) {
        return `${column} = ${(value as { sql: string }).sql}`;
      }
      params.push(value);
      return `${column} = $${params.length}`;
    });
    const [, updated] = await manager.query<[unknown[], number]>(
      `UPDATE ledger_items SET state = $3::ledger_state, updated_at = $4${assignments.map((a) => `, ${a}`).join('')}
        WHERE id = $1 AND state = $2::ledger_state`,
      params,
    );
    if (updated !== 1) throw wrongState(item, verbOf(spec.kind));
    const data = { ...(spec.data ?? {}), ...extra };
    const entryId = await writeEntry(manager, id, spec.kind, actor, spec.note ?? null, data, now);
    if (spec.after) await spec.after(manager, item, entryId);
    await auditItem(manager, item, `ledger.${spec.kind}`, actor, now, {
      from: item.state,
      to: spec.to,
      note: spec.note ?? null,
      ...data,
    });
    return findItem(manager, id);
  }
}
