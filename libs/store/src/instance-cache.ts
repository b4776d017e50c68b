import type { InstanceRow } from './instance-lock.js';
import type { StepMark } from './instance-plan.js';
import type { InstanceSummary } from './instance-runtime.types.js';
import type { StepCache } from './step-cache.js';

/*
 * Cache: what the runtime keeps of the instances it stepped (StepCache), so a completion can
 * run from it in one round trip; and what it knows of a locked instance's open task rows.
 */

/** An open task row a runtime knows: its engine key and who claimed it. */
export type KnownTask = { key: string; claimedBy: string | null };

/**
 * The open task rows of a locked instance this process knows: those of its cached entry
 * when that entry is the row's revision, and the task the lock went through.
 */
export function knownTasks(cache: StepCache, row: InstanceRow): Map<string, KnownTask> {
  const cached = cache.get(row.id);
  const known = new Map(cached?.revision === row.revision ? cached.tasks : []);
  if (row.target_kind !== undefined && row.target_key !== undefined) {
    for (const [id, task] of known) if (task.key === row.target_key) known.delete(id);
    if (row.target_state === 'open' && row.target_id !== undefined) {
      known.set(row.target_id, { key: row.target_key, claimedBy: row.target_claimed_by ?? null });
    }
  }
  return known;
}

/**
 * Keeps an instance as a committed step left it (see StepCache): `known` are the open task
 * rows known before the step; the step's ended tasks leave, its new open ones join.
 */
export function rememberStep(
  cache: StepCache,
  revision: number,
  bytes: number,
  summary: InstanceSummary,
  mark: StepMark,
  known: ReadonlyMap<string, KnownTask>,
): void {
  if (summary.endedAt !== null) {
    cache.drop(summary.id);
    return;
  }
  const ended = new Set(mark.endedTaskKeys);
  const tasks = new Map<string, KnownTask>();
  for (const [id, task] of known) if (!ended.has(task.key)) tasks.set(id, task);
  for (const task of mark.createdTasks) {
    if (task.state === 'open') tasks.set(task.id, { key: task.engine_key, claimedBy: null });
  }
  cache.put({
    id: summary.id,
    templateKey: summary.templateKey,
    version: summary.version,
    businessKey: summary.businessKey,
    orgUnitId: summary.orgUnitId,
    startedBy: summary.startedBy,
    createdAt: summary.createdAt,
    revision,
    engineState: summary.engineState,
    auditSeq: mark.head.seq,
    auditHash: mark.head.hash,
    bytes,
    tasks,
  });
}
