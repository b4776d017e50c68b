import { type Principal, canReadUnit, hasRoleOver, identities } from '@app/org';

/**
 * Who may do what with a ledger item, from the principal's grants and the paths of the item's
 * unit and assessing unit (no I/O):
 * - read: a secretary or supervisor covering the item's unit (its subtree), or the task's
 *   assignee (user or member id) for task items;
 * - respond (progress, attachments, submit): a secretary covering the item's unit, or the
 *   task's assignee;
 * - supervise (open by hand, verify / 销号, reject, reopen / 回头看): a supervisor covering the
 *   item's unit or its assessing unit.
 */
export interface ItemAccessFacts {
  readonly unitPath: string | null;
  readonly assessingPath: string | null;
  readonly taskAssignee: string | null;
}

function isAssignee(principal: Principal, item: ItemAccessFacts): boolean {
  return item.taskAssignee !== null && identities(principal).includes(item.taskAssignee);
}

export function canReadItem(principal: Principal, item: ItemAccessFacts): boolean {
  return (
    canReadUnit(principal, item.unitPath) ||
    canSupervise(principal, item) ||
    isAssignee(principal, item)
  );
}

export function canRespond(principal: Principal, item: ItemAccessFacts): boolean {
  return hasRoleOver(principal, 'secretary', item.unitPath) || isAssignee(principal, item);
}

export function canSupervise(
  principal: Principal,
  item: Pick<ItemAccessFacts, 'unitPath' | 'assessingPath'>,
): boolean {
  return (
    hasRoleOver(principal, 'supervisor', item.unitPath) ||
    hasRoleOver(principal, 'supervisor', item.assessingPath)
  );
}
