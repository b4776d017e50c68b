import type { DataSource, EntityManager } from 'typeorm';
import { LedgerException, LedgerExceptionCode } from './ledger.exception.js';
import type { LedgerAttachment } from './ledger.types.js';
import type { Actor } from './ledger-items.js';

/*
 * Evidence (佐证材料): all SQL of `ledger_attachments` — an item's files, one with its bytes,
 * a new one, and those a submission takes — with its row type and mapper.
 */

export interface NewAttachment {
  readonly fileName: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface AttachmentRow {
  id: string;
  entry_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: Date;
}

export const ATTACHMENT_COLUMNS =
  'id, entry_id, file_name, content_type, size_bytes, sha256, uploaded_by, uploaded_at';

export function toAttachment(row: AttachmentRow): LedgerAttachment {
  return {
    id: row.id,
    entryId: row.entry_id,
    fileName: row.file_name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
  };
}

/** The item's attachments, oldest first. */
export async function itemAttachments(
  db: DataSource | EntityManager,
  itemId: string,
): Promise<LedgerAttachment[]> {
  const rows = await db.query<AttachmentRow[]>(
    `SELECT ${ATTACHMENT_COLUMNS} FROM ledger_attachments WHERE item_id = $1 ORDER BY uploaded_at, id`,
    [itemId],
  );
  return rows.map(toAttachment);
}

/** One attachment with its bytes, or LEDGER_ATTACHMENT_NOT_FOUND. */
export async function findAttachment(
  db: DataSource | EntityManager,
  itemId: string,
  attachmentId: string,
): Promise<LedgerAttachment & { content: Buffer }> {
  const [row] = await db.query<(AttachmentRow & { content: Buffer })[]>(
    `SELECT ${ATTACHMENT_COLUMNS}, content FROM ledger_attachments WHERE item_id = $1 AND id = $2`,
    [itemId, attachmentId],
  );
  if (!row) {
    throw new LedgerException(LedgerExceptionCode.ATTACHMENT_NOT_FOUND, '未找到该佐证材料');
  }
  return { ...toAttachment(row), content: row.content };
}

/** Keeps a file of the item (`sha256` of its content), not yet part of a submission. */
export async function insertAttachment(
  manager: EntityManager,
  itemId: string,
  file: NewAttachment,
  sha256: string,
  actor: Actor,
  now: number,
): Promise<LedgerAttachment> {
  const [row] = await manager.query<AttachmentRow[]>(
    `INSERT INTO ledger_attachments (item_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ATTACHMENT_COLUMNS}`,
    [
      itemId,
      file.fileName,
      file.contentType,
      file.content.length,
      sha256,
      file.content,
      actor,
      new Date(now),
    ],
  );
  return toAttachment(row);
}

/**
 * The ids of the item's attachments not yet part of a submission, oldest first: all of them,
 * or those of `ids` when given.
 */
export async function pendingAttachments(
  manager: EntityManager,
  itemId: string,
  ids: readonly string[] | null,
): Promise<string[]> {
  const rows = await manager.query<{ id: string }[]>(
    `SELECT id FROM ledger_attachments
            WHERE item_id = $1 AND entry_id IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
            ORDER BY uploaded_at, id`,
    [itemId, ids],
  );
  return rows.map((row) => row.id);
}

/** Makes the attachments `ids` (still pending) part of the submission `entryId`. */
export async function attachToEntry(
  manager: EntityManager,
  itemId: string,
  entryId: string,
  ids: readonly string[],
): Promise<void> {
  await manager.query(
    `UPDATE ledger_attachments SET entry_id = $2 WHERE item_id = $1 AND id = ANY($3::uuid[]) AND entry_id IS NULL`,
    [itemId, entryId, ids],
  );
}

export function tooLarge(maxBytes: number): LedgerException {
  return new LedgerException(
    LedgerExceptionCode.ATTACHMENT_TOO_LARGE,
    `佐证材料文件过大：每份最多 ${maxBytes} 字节（LEDGER_ATTACHMENT_MAX_BYTES）`,
    { maxBytes },
  );
}
