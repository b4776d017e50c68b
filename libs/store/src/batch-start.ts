import { randomUUID } from 'node:crypto';
import {
  type AuditEventInput,
  type AuditRow,
  GENESIS_HASH,
  auditRowsInsert,
  chainAudit,
} from '@app/audit';
import {
  type EngineContext,
  EngineException,
  type StepResult,
  displayState,
  step,
} from '@app/engine';
import { type OutboxJob, type OutboxRow, outboxInsert } from '@app/queue';
import type { EntityManager } from 'typeorm';
import type { Clock } from './clock.js';
import type { DefinitionCache } from './definition-cache.js';
import { projectEffects, rootVariables } from './effects-projection.js';
import type { RuntimeOptions, StartInput } from './instance-runtime.types.js';
import { WriteBatch } from './write-batch.js';

/** What one batch of starts did. */
export interface BatchStartResult {
  /** Instances this batch inserted. */
  readonly started: number;
  /** Inputs whose business key was taken in their unit already (nothing written for them). */
  readonly existing: number;
  /** Inputs the engine refused (e.g. variables that do not fit): nothing written for them. */
  readonly failed: number;
  /** The first refusal, in words. */
  readonly error: string | null;
  /** The outbox rows the batch wrote, for delivery after commit. */
  readonly outbox: OutboxRow[];
}

/** A part of one instance's writes, as the effects projection adds it to a WriteBatch. */
interface Part {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** One start planned in memory: the instance row and every other row its first step implies. */
interface Planned {
  readonly id: string;
  /**
   * Its process_instances row by position: id, business key, org unit, state, engine state,
   * variables, ended at (see the insert in `start`).
   */
  readonly row: readonly unknown[];
  readonly parts: Part[];
  /** Its audit events, written with every instance's in one statement. */
  readonly audit: AuditRow[];
  readonly jobs: OutboxJob[];
}

/** Bind parameters per merged statement (PostgreSQL takes 65,535). */
const MAX_PARAMS = 30_000;

/** Audit events per statement (one JSON parameter). */
const AUDIT_ROWS_PER_STATEMENT = 5_000;

/**
 * Starts many instances in one transaction, the caller's: the engine's start step runs for each
 * in memory, exactly as `InstanceRuntime.start` runs it, and the rows are written with
 * multi-row statements — one INSERT of the instances, then one per table for the rows that
 * InstanceRuntime.start writes for each (tasks, ledger items and entries, timers, audit events
 * and chain heads), and one of the outbox jobs — instead of one statement per instance.
 *
 * Idempotent by business key: the instances go in with `ON CONFLICT DO NOTHING` on the per-unit
 * business-key unique index, and only those the INSERT answers get their other rows, so a batch
 * run again (after a crash, by a second worker) starts each missing instance once and writes
 * nothing for the others. An input the engine refuses is counted as failed; the others go on.
 */
export class BatchStarter {
  constructor(
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly options: RuntimeOptions,
  ) {}

  private context(): EngineContext {
    return {
      processes: this.definitions,
      timeZone: this.options.timeZone,
      callActivityMaxDepth: this.options.callActivityMaxDepth,
      stepMaxActivations: this.options.stepMaxActivations,
      feelLimits: this.options.feelLimits,
      timerLimits: this.options.timerLimits,
    };
  }

  /**
   * Starts `inputs` (all of one template, the latest version) inside the transaction of
   * `manager`; the caller commits, then delivers `outbox`. Throws when the template is not
   * deployed.
   */
  async start(
    manager: EntityManager,
    templateKey: string,
    inputs: readonly StartInput[],
    actor: string,
  ): Promise<BatchStartResult> {
    const now = this.clock.now();
    await this.definitions.ensure([], manager);
    const graph = this.definitions.latest(templateKey);
    if (!graph) throw new Error(`no template '${templateKey}' is deployed`);
    const version = Number(graph.ref.slice(graph.ref.lastIndexOf(':') + 1));
    const planned: Planned[] = [];
    let failed = 0;
    let error: string | null = null;
    for (const input of inputs) {
      if (input.templateKey !== templateKey) {
        throw new Error(`batch of '${templateKey}' holds a start of '${input.templateKey}'`);
      }
      let result: StepResult;
      try {
        result = step(
          this.context(),
          null,
          { type: 'start', processRef: graph.ref, variables: input.variables },
          now,
        );
      } catch (refusal) {
        if (!(refusal instanceof EngineException)) throw refusal;
        failed += 1;
        error ??= refusal.message;
        continue;
      }
      planned.push(this.plan(input, version, result, actor, now));
    }
    if (planned.length === 0) {
      return { started: 0, existing: inputs.length - failed, failed, error, outbox: [] };
    }
    const inserted = await manager.query<{ id: string }[]>(
      `INSERT INTO process_instances (id, definition_id, template_key, version, business_key, org_unit_id, state,
         engine_state, variables, started_by, created_at, updated_at, ended_at)
       SELECT (r.x->>0)::uuid, d.id, d.key, d.version, r.x->>1, r.x->>2, (r.x->>3)::instance_state,
              r.x->4, r.x->5, $3, $4, $4, (r.x->>6)::timestamptz
         FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS r (x, n)
         JOIN process_definitions d ON d.key = $1 AND d.version = $2
        ORDER BY r.n
       ON CONFLICT (template_key, org_unit_id, business_key) WHERE business_key IS NOT NULL DO NOTHING
       RETURNING id::text AS id`,
      [templateKey, version, actor, new Date(now), JSON.stringify(planned.map((p) => p.row))],
    );
    const kept = new Set(inserted.map((row) => row.id));
    const mine = planned.filter((p) => kept.has(p.id));
    for (const statement of mergeParts(mine.map((p) => p.parts))) {
      await manager.query(statement.sql, statement.params as unknown[]);
    }
    const audit = mine.flatMap((p) => p.audit);
    for (let i = 0; i < audit.length; i += AUDIT_ROWS_PER_STATEMENT) {
      const insert = auditRowsInsert(audit.slice(i, i + AUDIT_ROWS_PER_STATEMENT));
      await manager.query(insert.sql, insert.params);
    }
    const jobs = mine.flatMap((p) => p.jobs);
    let outbox: OutboxRow[] = [];
    for (let i = 0; i < jobs.length; i += 5_000) {
      const insert = outboxInsert(jobs.slice(i, i + 5_000));
      const rows = await manager.query<OutboxRow[]>(insert.sql, insert.params);
      outbox = outbox.concat(rows.map((row) => ({ ...row, id: String(row.id) })));
    }
    return {
      started: mine.length,
      existing: inputs.length - failed - mine.length,
      failed,
      error,
      outbox,
    };
  }

  /** The rows of one start, as InstanceRuntime.start builds them (see its `start`). */
  private plan(
    input: StartInput,
    version: number,
    result: StepResult,
    actor: string,
    now: number,
  ): Planned {
    const id = randomUUID();
    const orgUnitId = input.orgUnitId ?? null;
    const businessKey = input.businessKey ?? null;
    const started: AuditEventInput = {
      type: 'instance.started',
      actor,
      instanceId: id,
      elementId: null,
      at: now,
      data: {
        templateKey: input.templateKey,
        version,
        businessKey,
        orgUnitId,
        variables: input.variables ?? {},
      },
    };
    const parts: Part[] = [];
    const batch = new CapturingBatch(parts);
    const projection = projectEffects(batch, result.effects, {
      instanceId: id,
      actor,
      now,
      zone: this.options.timeZone,
      registry: this.definitions,
      reminderOffsets: this.options.reminderOffsets,
      projectors: this.options.projectors,
      orgUnitId,
      templateKey: input.templateKey,
    });
    const events = [started, ...projection.audit];
    const chained = chainAudit(id, { seq: 0, hash: GENESIS_HASH }, events);
    parts.push({
      sql: `INSERT INTO audit_streams (stream, seq, hash) VALUES ($1, $2, $3)`,
      params: [id, chained.head.seq, chained.head.hash],
    });
    return {
      id,
      // by position, as the audit rows (auditRowsInsert): half the time to split in PostgreSQL
      // of json_to_recordset over objects
      row: [
        id,
        businessKey,
        orgUnitId,
        displayState(result.state),
        result.state,
        rootVariables(result.state),
        result.state.endedAt === null ? null : new Date(result.state.endedAt),
      ],
      parts,
      audit: chained.rows,
      jobs: projection.jobs,
    };
  }
}

/**
 * A WriteBatch that keeps each part the projection adds (its SQL and parameters), so that the
 * parts of many instances can be merged into multi-row statements.
 */
class CapturingBatch extends WriteBatch {
  constructor(private readonly captured: Part[]) {
    super();
  }

  override add(sql: string, params: readonly unknown[], output?: string): string {
    this.captured.push({ sql, params });
    return super.add(sql, params, output);
  }

  override read(): void {
    throw new Error('a batch start reads nothing');
  }

  override expectOne(): void {
    throw new Error('a batch start expects nothing');
  }
}

const VALUES_INSERT =
  /^\s*(INSERT INTO \w+ \([^)]*\)\s*VALUES)\s+([\s\S]*?)(\s+RETURNING\s[\s\S]*)?$/;
const SELECT_INSERT = /^\s*(INSERT INTO \w+ \([^)]*\))\s+(SELECT\b[\s\S]*)$/;

/** How a part's statement merges with others of its shape (see `mergeParts`). */
interface Shape {
  /** The group it merges into; null when it runs on its own. */
  readonly key: string | null;
  readonly head: string;
  readonly tail: string;
  readonly union: boolean;
  /** Its rows' text split at the parameters: pieces[0] $numbers[0] pieces[1] … */
  readonly pieces: readonly string[];
  readonly numbers: readonly number[];
}

/** Shapes by statement text: a batch's hundreds of starts repeat a handful of statements. */
const shapes = new Map<string, Shape>();
const SHAPES_KEPT = 1_000;

function shapeOf(sql: string): Shape {
  const known = shapes.get(sql);
  if (known !== undefined) return known;
  const values = VALUES_INSERT.exec(sql);
  const select = values ? null : SELECT_INSERT.exec(sql);
  const mergeable =
    values !== null || (select !== null && !/\b(RETURNING|ON CONFLICT)\b/.test(select[2]));
  let shape: Shape;
  if (!mergeable) {
    shape = { key: null, head: '', tail: '', union: false, pieces: [], numbers: [] };
  } else {
    const head = values ? values[1] : select![1];
    const tail = values ? (values[3] ?? '') : '';
    const body = values ? values[2] : select![2];
    const pieces: string[] = [];
    const numbers: number[] = [];
    let last = 0;
    for (const match of body.matchAll(/\$(\d+)/g)) {
      pieces.push(body.slice(last, match.index));
      numbers.push(Number(match[1]));
      last = match.index + match[0].length;
    }
    pieces.push(body.slice(last));
    shape = {
      key: `${values ? 'v' : 's'}|${head}|${tail}`,
      head,
      tail,
      union: !values,
      pieces,
      numbers,
    };
  }
  if (shapes.size >= SHAPES_KEPT) shapes.clear();
  shapes.set(sql, shape);
  return shape;
}

/** A shape's rows with its parameters numbered from `offset` + 1. */
function rowsText(shape: Shape, offset: number): string {
  let text = shape.pieces[0];
  for (let i = 0; i < shape.numbers.length; i++) {
    text += `$${shape.numbers[i] + offset}${shape.pieces[i + 1]}`;
  }
  return shape.union ? `(${text})` : text;
}

/**
 * The statements that write every instance's parts: parts of the same shape become one
 * statement per table — `INSERT … VALUES` rows concatenated, `INSERT … SELECT` queries joined
 * with UNION ALL (each in its parentheses, so its own ORDER BY holds) — in the order the shapes
 * first appear (a table's parent rows before its own); anything else (an UPDATE) runs per
 * instance afterwards. No part reads another's rows (they ran as CTEs of one statement for a
 * single start), so the merged statements write the same rows.
 */
export function mergeParts(instances: readonly (readonly Part[])[]): Part[] {
  interface Group {
    readonly shape: Shape;
    chunks: { bodies: string[]; params: unknown[] }[];
  }
  const groups = new Map<string, Group>();
  const singles: Part[] = [];
  for (const parts of instances) {
    for (const part of parts) {
      const shape = shapeOf(part.sql);
      if (shape.key === null) {
        singles.push(part);
        continue;
      }
      let group = groups.get(shape.key);
      if (!group) {
        group = { shape, chunks: [] };
        groups.set(shape.key, group);
      }
      let chunk = group.chunks.at(-1);
      if (!chunk || chunk.params.length + part.params.length > MAX_PARAMS) {
        chunk = { bodies: [], params: [] };
        group.chunks.push(chunk);
      }
      chunk.bodies.push(rowsText(shape, chunk.params.length));
      for (const param of part.params) chunk.params.push(param);
    }
  }
  const merged: Part[] = [];
  for (const { shape, chunks } of groups.values()) {
    for (const chunk of chunks) {
      const body = chunk.bodies.join(shape.union ? '\nUNION ALL\n' : ',\n');
      merged.push({ sql: `${shape.head} ${body}${shape.tail}`, params: chunk.params });
    }
  }
  return [...merged, ...singles];
}
