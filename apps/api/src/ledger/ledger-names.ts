import type { LedgerAttachment, LedgerEntry } from '@app/ledger';
import { ROLE_LABELS, UNKNOWN_UNIT, lookupNames } from '@app/org';
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

/** What `nameLedgerDetail` adds to an item's detail: the people and units by name. */
export interface LedgerDetailNames {
  readonly createdByName: string;
  readonly closedByName: string | null;
  readonly escalatedToName: string | null;
  readonly entries: (LedgerEntry & { actorName: string; escalatedToName: string | null })[];
  readonly attachments: (LedgerAttachment & { uploadedByName: string })[];
}

/**
 * An item's detail as a person reads it: who opened and closed it, who did each entry and
 * uploaded each file, the units it was escalated to, by name (one statement for all).
 */
export async function nameLedgerDetail(
  manager: EntityManager,
  item: Pick<LedgerItemDto, 'createdBy' | 'closedBy' | 'escalatedTo' | 'orgUnitId'>,
  entries: readonly LedgerEntry[],
  attachments: readonly LedgerAttachment[],
): Promise<LedgerDetailNames> {
  const escalatedTo = (entry: LedgerEntry) =>
    entry.kind === 'escalated' && typeof entry.data.escalatedTo === 'string'
      ? entry.data.escalatedTo
      : null;
  const book = await lookupNames(manager, {
    people: [
      item.createdBy,
      item.closedBy,
      ...entries.map((entry) => entry.actor),
      ...attachments.map((attachment) => attachment.uploadedBy),
    ],
    units: [item.escalatedTo, ...entries.map(escalatedTo)],
  });
  const unit = (id: string | null) => (id === null ? null : (book.unitName(id) ?? UNKNOWN_UNIT));
  return {
    createdByName: book.label(item.createdBy, item.orgUnitId),
    closedByName: item.closedBy === null ? null : book.label(item.closedBy, item.orgUnitId),
    escalatedToName: unit(item.escalatedTo),
    entries: entries.map((entry) => ({
      ...entry,
      actorName: book.label(entry.actor, item.orgUnitId),
      escalatedToName: unit(escalatedTo(entry)),
    })),
    attachments: attachments.map((attachment) => ({
      ...attachment,
      uploadedByName: book.label(attachment.uploadedBy, item.orgUnitId),
    })),
  };
}

/** An uploaded file with who uploaded it by name. */
export async function nameAttachment(
  manager: EntityManager,
  attachment: LedgerAttachment,
): Promise<LedgerAttachment & { uploadedByName: string }> {
  const book = await lookupNames(manager, { people: [attachment.uploadedBy] });
  return { ...attachment, uploadedByName: book.label(attachment.uploadedBy, null) };
}
