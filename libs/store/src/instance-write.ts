import type { InstanceState } from '@app/engine';
import { auditRowsInsert } from '@app/audit';
import { displayState } from '@app/engine';
import { OUTBOX_ROWS, type OutboxJob, outboxInsert } from '@app/queue';
import type { DataSource } from 'typeorm';
import { rootVariables } from './effects-projection.js';
import { pooledPipeline } from './pipeline.js';
import { type RowsForm, type WriteBatch, jsonValue } from './write-batch.js';

/*
 * Write: the statements a step adds to its batch for the instance row, the head of its audit
 * chain and its outbox jobs (the rows its effects imply are effects-projection's), and the
 * batch run on a pooled connection of its own.
 */

/** The row of a new instance, as its first step left it. */
export interface NewInstance {
  readonly id: string;
  readonly templateKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly orgUnitId: string | null;
  readonly state: InstanceState;
  /** `state` as JSON (the caller measures it for the cache). */
  readonly stateJson: string;
  readonly startedBy: string;
  readonly now: number;
}

/**
 * Inserts the instance row of its deployed version (`key` and `version`); the result `instance`
 * holds its id, or nothing when that version is not deployed.
 */
export function addInstanceInsert(batch: WriteBatch, instance: NewInstance): void {
  batch.add(
    `INSERT INTO process_instances (id, definition_id, template_key, version, business_key, org_unit_id, state,
         engine_state, variables, started_by, created_at, updated_at, ended_at)
       SELECT $11, id, key, version, $3, $4, $5, $6, $7, $8, $9, $9, $10
         FROM process_definitions WHERE key = $1 AND version = $2
       RETURNING id`,
    [
      instance.templateKey,
      instance.version,
      instance.businessKey,
      instance.orgUnitId,
      displayState(instance.state),
      instance.stateJson,
      JSON.stringify(rootVariables(instance.state)),
      instance.startedBy,
      new Date(instance.now),
      instance.state.endedAt === null ? null : new Date(instance.state.endedAt),
      instance.id,
    ],
    'instance',
  );
}

/** addInstanceUpdate's statement for the instances of a batch of steps (see RowsForm). */
export const INSTANCE_UPDATE_ROWS: RowsForm = {
  sql: `UPDATE process_instances p
          SET engine_state = r.x->1, state = (r.x->>2)::instance_state, variables = r.x->3,
              revision = p.revision + 1, updated_at = (r.x->>4)::timestamptz,
              ended_at = (r.x->>5)::timestamptz
         FROM jsonb_array_elements($1::jsonb) AS r (x)
        WHERE p.id = (r.x->>0)::uuid
          AND p.id = ANY (ARRAY(SELECT (e->>0)::uuid FROM jsonb_array_elements($1::jsonb) e))`,
  // the state and the variables are JSON text already
  rows: (p) =>
    `[${jsonValue(p[0])},${p[1] as string},${jsonValue(p[2])},${p[3] as string},${jsonValue(p[4])},${jsonValue(p[5])}]`,
};

/**
 * Writes the instance's state after a step and raises its revision; with `expectedRevision`,
 * only at that revision (the batch fails unless the row changed: WriteBatch.expectOne).
 */
export function addInstanceUpdate(
  batch: WriteBatch,
  id: string,
  state: InstanceState,
  stateJson: string,
  now: number,
  expectedRevision?: number,
): void {
  const values = [
    id,
    stateJson,
    displayState(state),
    JSON.stringify(rootVariables(state)),
    new Date(now),
    state.endedAt === null ? null : new Date(state.endedAt),
  ];
  const update = `UPDATE process_instances
          SET engine_state = $2, state = $3, variables = $4, revision = revision + 1, updated_at = $5, ended_at = $6
        WHERE id = $1`;
  if (expectedRevision !== undefined) {
    batch.expectOne(
      batch.add(`${update} AND revision = $7 RETURNING 1`, [...values, expectedRevision]),
      `instance ${id}`,
    );
  } else {
    batch.add(update, values, undefined, INSTANCE_UPDATE_ROWS);
  }
}

/** The audit events of a batch of steps, in one statement (its rows are a JSON array already). */
export const AUDIT_EVENT_ROWS: RowsForm = {
  sql: auditRowsInsert([]).sql,
  rows: (p) => (p[0] as string).slice(1, -1),
};

/** addAuditHead's update for the chains of a batch of steps (see RowsForm). */
export const AUDIT_HEAD_ROWS: RowsForm = {
  sql: `UPDATE audit_streams s SET seq = (r.x->>1)::int, hash = r.x->>2
         FROM jsonb_array_elements($1::jsonb) AS r (x)
        WHERE s.stream = r.x->>0
          AND s.stream = ANY (ARRAY(SELECT e->>0 FROM jsonb_array_elements($1::jsonb) e))`,
  rows: (p) => `[${jsonValue(p[0])},${jsonValue(p[1])},${jsonValue(p[2])}]`,
};

/**
 * Moves the head of the instance's audit chain to `head`: a new head when the chain had none
 * (`previous` null), else an update — with `expectedSeq`, only from that seq (expectOne).
 */
export function addAuditHead(
  batch: WriteBatch,
  instanceId: string,
  head: { readonly seq: number; readonly hash: string },
  previous: { readonly expectedSeq?: number } | null,
): void {
  const values = [instanceId, head.seq, head.hash];
  if (previous === null) {
    batch.add(`INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, $2, $3)`, values);
  } else if (previous.expectedSeq !== undefined) {
    batch.expectOne(
      batch.add(
        `UPDATE audit_streams SET seq = $2, hash = $3 WHERE stream = $1 AND seq = $4 RETURNING 1`,
        [...values, previous.expectedSeq],
      ),
      `audit head of ${instanceId}`,
    );
  } else {
    batch.add(
      `UPDATE audit_streams SET seq = $2, hash = $3 WHERE stream = $1`,
      values,
      undefined,
      AUDIT_HEAD_ROWS,
    );
  }
}

/** The step's outbox jobs (result `outbox`: their rows). */
export function addOutbox(batch: WriteBatch, jobs: readonly OutboxJob[]): void {
  if (jobs.length === 0) return;
  const insert = outboxInsert(jobs);
  batch.add(insert.sql, insert.params, 'outbox', OUTBOX_ROWS);
}

/**
 * Runs a batch on a pooled connection as one pipeline: its statements (one, unless the batch
 * is too big for one) up to the pipeline's Sync are one implicit transaction.
 */
export async function runAlone(
  dataSource: DataSource,
  batch: WriteBatch,
): Promise<Record<string, unknown[]>> {
  const results = await pooledPipeline(dataSource, batch.statements());
  return batch.collect(
    results.map((result) => result.rows[0] as Record<string, unknown> | undefined),
  );
}
