import type { InstanceState } from '@app/engine';

/** An instance as this process last committed a step of it. */
export interface CachedInstance {
  readonly id: string;
  readonly templateKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly orgUnitId: string | null;
  readonly startedBy: string;
  readonly createdAt: Date;
  /** `process_instances.revision` after that step. */
  readonly revision: number;
  readonly engineState: InstanceState;
  /** The head of the instance's audit chain after that step. */
  readonly auditSeq: number;
  readonly auditHash: string;
  /** The engine state's size as JSON text: what the entry weighs against the cache's bound. */
  readonly bytes: number;
  /**
   * Open task rows this process knows, by row id: their engine key and claim. Only tasks
   * whose rows this process inserted or locked; others are simply not here.
   */
  readonly tasks: ReadonlyMap<string, { readonly key: string; readonly claimedBy: string | null }>;
}

/** Engine-state JSON a cache holds at most by default (in memory ≈ 1.5 × that). */
export const STEP_CACHE_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The instances this process stepped last, so that the next step of one of them can skip
 * reading it: the step then checks, with the rows locked, that they are still as cached
 * (revision, task state and claim, audit head) and is refused otherwise (see
 * InstanceRuntime). Bounded by count and by the size of the engine states (an instance
 * heavier than a 64th of that is not kept), least recently used dropped first; a hint, never
 * the truth.
 */
export class StepCache {
  private readonly instances = new Map<string, CachedInstance>();
  private readonly owners = new Map<string, string>();
  private bytes = 0;

  constructor(
    readonly limit: number,
    readonly maxBytes = STEP_CACHE_MAX_BYTES,
  ) {}

  /** Engine-state JSON held, in bytes (UTF-16 code units, near enough). */
  get weight(): number {
    return this.bytes;
  }

  get size(): number {
    return this.instances.size;
  }

  /** The cached instance an open task row belongs to. */
  byTask(taskId: string): CachedInstance | undefined {
    const owner = this.owners.get(taskId);
    const entry = owner === undefined ? undefined : this.instances.get(owner);
    if (!entry) return undefined;
    this.instances.delete(entry.id);
    this.instances.set(entry.id, entry);
    return entry;
  }

  get(instanceId: string): CachedInstance | undefined {
    return this.instances.get(instanceId);
  }

  /** Keeps an instance as a step left it, unless a later revision is already kept. */
  put(entry: CachedInstance): void {
    const current = this.instances.get(entry.id);
    if (current && current.revision > entry.revision) return;
    this.drop(entry.id);
    if (this.limit <= 0 || entry.bytes > this.maxBytes / 64) return;
    this.instances.set(entry.id, entry);
    this.bytes += entry.bytes;
    for (const taskId of entry.tasks.keys()) this.owners.set(taskId, entry.id);
    for (const id of this.instances.keys()) {
      if (this.instances.size <= this.limit && this.bytes <= this.maxBytes) break;
      this.drop(id);
    }
  }

  drop(instanceId: string): void {
    const entry = this.instances.get(instanceId);
    if (!entry) return;
    this.instances.delete(instanceId);
    this.bytes -= entry.bytes;
    for (const taskId of entry.tasks.keys()) {
      if (this.owners.get(taskId) === instanceId) this.owners.delete(taskId);
    }
  }
}
