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
  properties: Record<string, string> | null;
  images: number;
  attachments: number;
}

/**
 * What is missing of the evidence the task `taskId` requires (`ledger.requiresEvidence` on its
 * element), looked up in its instance's definition as the engine runs it and in the attachments
 * of the task's ledger item: an empty list when nothing is required or the evidence is there.
 * Pass the step's manager (the instance row is locked by it).
 */
export async function missingEvidence(
  manager: EntityManager,
  taskId: string,
): Promise<EvidenceProblem[]> {
  const [row] = await manager.query<Row[]>(
    `SELECT (SELECT d.graph->'nodes'->t.element_id->'properties' FROM process_definitions d
              WHERE d.key = split_part(i.engine_state->'tasks'->t.engine_key->>'processRef', ':', 1)
                AND d.version::text
                  = split_part(i.engine_state->'tasks'->t.engine_key->>'processRef', ':', 2)
            ) AS properties,
            count(a.id) FILTER (WHERE a.content_type LIKE 'image/%')::int AS images,
            count(a.id)::int AS attachments
       FROM tasks t
       JOIN process_instances i ON i.id = t.instance_id
       LEFT JOIN ledger_items l ON l.task_id = t.id
       LEFT JOIN ledger_attachments a ON a.item_id = l.id
      WHERE t.id = $1
      GROUP BY t.id, i.id`,
    [taskId],
  );
  const required = row?.properties?.[LEDGER_REQUIRES_EVIDENCE]?.trim();
  if (!row || !required) return [];
  const field = row.properties?.[LEDGER_EVIDENCE_FIELD]?.trim() || 'evidence';
  if (required === 'image') {
    return row.images > 0
      ? []
      : [
          {
            field,
            message:
              'needs at least one photo (an image attached to the ledger item of the step) before the step is completed',
          },
        ];
  }
  return row.attachments > 0
    ? []
    : [
        {
          field,
          message:
            'needs at least one attachment on the ledger item of the step before the step is completed',
        },
      ];
}
