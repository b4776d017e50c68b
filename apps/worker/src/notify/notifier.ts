import {
  type Clock,
  type NotificationInput,
  type WrittenNotifications,
  writeNotifications,
} from '@app/store';
import type { DataSource } from 'typeorm';

/** Delivers committed outbox rows (the OutboxDispatcher). */
export interface OutboxKick {
  dispatch(options: { ids: readonly string[] }): Promise<number>;
}

/**
 * Writes notifications in their own transaction and hands the webhook jobs to the dispatcher
 * after commit. When the enqueue fails, the committed outbox rows wait for the reconciler.
 */
export class Notifier {
  constructor(
    /** The database notices are written to (handlers read channels through it). */
    readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly outbox: OutboxKick,
    private readonly onKickError: (error: unknown) => void,
  ) {}

  async notify(input: NotificationInput): Promise<WrittenNotifications> {
    const now = this.clock.now();
    const written = await this.dataSource.transaction((manager) =>
      writeNotifications(manager, input, now),
    );
    await this.kick(written.outboxIds);
    return written;
  }

  /** Dispatches outbox rows a caller's own transaction committed. */
  async kick(outboxIds: readonly string[]): Promise<void> {
    if (outboxIds.length === 0) return;
    try {
      await this.outbox.dispatch({ ids: outboxIds });
    } catch (error) {
      this.onKickError(error);
    }
  }
}
