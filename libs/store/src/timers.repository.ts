import type { DataSource, EntityManager } from 'typeorm';

/**
 * Scheduled timers due by `$1` and after `$3` ('-infinity': from the first), earliest first, `$2`
 * of them: a range scan of the partial index of scheduled timers by due time (timers_due_idx)
 * that stops after `$2` rows, however many timers have fired or wait further ahead
 * (timer-batches.int-spec checks the plan). A job re-added for one of them fires every timer
 * due with it in batches (TimerProcessor).
 */
export const DUE_TIMERS_SQL = `SELECT id, instance_id, due_at FROM timers
  WHERE state = 'scheduled' AND due_at <= $1 AND due_at > $3 ORDER BY due_at LIMIT $2`;

/** A scheduled timer as the reconciler needs it. */
export interface DueTimer {
  readonly id: string;
  readonly instanceId: string;
  /** Epoch ms. */
  readonly dueAt: number;
}

interface DueTimerRow {
  id: string;
  instance_id: string;
  due_at: Date;
}

/**
 * Reads of `timers` outside an engine step (the step's own reads and writes are the runtime's:
 * InstanceRuntime, effects-projection).
 */
export class TimersRepository {
  constructor(private readonly db: DataSource) {}

  /** A timer's instance and state as they are now (read without a lock); null: no such timer. */
  async find(id: string): Promise<{ readonly instanceId: string; readonly state: string } | null> {
    const [row] = await this.db.query<{ instance_id: string; state: string }[]>(
      `SELECT instance_id, state::text AS state FROM timers WHERE id = $1`,
      [id],
    );
    return row ? { instanceId: row.instance_id, state: row.state } : null;
  }

  /**
   * Scheduled timers due by `by` (and after `after`, when given), earliest first, at most
   * `limit` (DUE_TIMERS_SQL).
   */
  async due(
    by: Date,
    limit: number,
    after: Date | null = null,
    db: DataSource | EntityManager = this.db,
  ): Promise<DueTimer[]> {
    const rows = await db.query<DueTimerRow[]>(DUE_TIMERS_SQL, [by, limit, after ?? '-infinity']);
    return rows.map(toDueTimer);
  }
}

function toDueTimer(row: DueTimerRow): DueTimer {
  return { id: row.id, instanceId: row.instance_id, dueAt: row.due_at.getTime() };
}
