import type { EntityManager } from 'typeorm';

/**
 * The `zeebe:properties` entry by which a user task requires evidence on its ledger item before
 * it may be completed: `image` (at least one attachment typed as an image by its bytes, e.g. the
 * photos of the theme day's record, 五有) or `any` (at least one attachment of any type).
 */
export const LEDGER_REQUIRES_EVIDENCE = 'ledger.requiresEvidence';
/** The form field a refusal for missing evidence names (default `evidence`). */
export const LEDGER_EVIDENCE_FIELD = 'ledger.evidenceField';

/** What a task's declared evidence requirement finds missing, as a form problem. */
export interface EvidenceProblem {
  readonly field: string;
  readonly message: string;
}

interface Row {
  images: number;
  attachments: number;
}

/**
 * What is missing of the evidence the task `taskId` requires (`ledger.requiresEvidence` among
 * its element's `properties`, from the deployed version the instance runs) in the attachments of
 * the task's ledger item: an empty list when nothing is required (then nothing is read) or the
 * evidence is there. Pass the step's manager (the instance row is locked by it).
 */
export async function missingEvidence(
  manager: EntityManager,
  taskId: string,
  properties: Readonly<Record<string, string>> | undefined,
): Promise<EvidenceProblem[]> {
  // Most steps declare nothing: no read then (a completion's check is on the hot path)
  const required = properties?.[LEDGER_REQUIRES_EVIDENCE]?.trim();
  if (!required) return [];
  const field = properties?.[LEDGER_EVIDENCE_FIELD]?.trim() || 'evidence';
  const [row] = await manager.query<Row[]>(
    `SELECT count(a.id) FILTER (WHERE a.content_type LIKE 'image/%')::int AS images,
            count(a.id)::int AS attachments
       FROM ledger_items l JOIN ledger_attachments a ON a.item_id = l.id
      WHERE l.task_id = $1`,
    [taskId],
  );
  const images = row?.images ?? 0;
  const attachments = row?.attachments ?? 0;
  if (required === 'image') {
    return images > 0
      ? []
      : [
          {
            field,
            // the person at the form reads it beside the field: Chinese
            message: '请先上传至少一张活动照片（佐证材料）再提交',
          },
        ];
  }
  return attachments > 0
    ? []
    : [
        {
          field,
          message: '请先上传至少一份佐证材料再提交',
        },
      ];
}
