import { ROLE_LABELS, lookupNames } from '@app/org';
import type { EntityManager } from 'typeorm';
import type { LedgerItemDto } from './dto/ledger.dto.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The items with 责任人 as a person reads it (`responsibleName`): a task item's assignee by
 * name, its candidate roles over the item's unit (「研发中心党支部 书记」), a hand-opened item's
 * text as written. One statement for the whole page or export.
 */
export async function nameLedgerItems(
  manager: EntityManager,
  items: readonly LedgerItemDto[],
): Promise<LedgerItemDto[]> {
  const parts = (item: LedgerItemDto) =>
    item.responsible === null
      ? []
      : item.source === 'task'
        ? item.responsible.split(',').map((part) => part.trim())
        : [item.responsible];
  const book = await lookupNames(manager, {
    people: items.flatMap((item) => parts(item).filter((part) => UUID.test(part))),
    units: items.map((item) => item.orgUnitId),
  });
  return items.map((item) => {
    if (item.responsible === null) return { ...item, responsibleName: null };
    const names = parts(item).map((part) =>
      UUID.test(part) || part.startsWith('group:') || Object.hasOwn(ROLE_LABELS, part)
        ? book.label(part, item.orgUnitId)
        : part,
    );
    return { ...item, responsibleName: names.join('、') };
  });
}
