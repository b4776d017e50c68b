import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type Attempt, SINGLE_ATTEMPT, isLastAttempt, jobInput } from '../jobs/job-input.js';
import {
  WEBHOOK_TIMEOUT_MS,
  isWebhookFormat,
  postWebhook,
  webhookPayload,
} from '../notify/index.js';
import type { WorkerAppOptions } from '../worker-options.js';
import { WORKER_OPTIONS } from '../worker.tokens.js';

interface DeliveryRow {
  state: string;
  url: string;
  format: string;
  active: boolean;
  title: string;
  body: string;
  recipient: string;
}

export type DeliveryOutcome = 'delivered' | 'skipped' | 'failed';

/**
 * `notifications` / `deliver-webhook`: POSTs one notification to one group robot. A delivery no
 * longer pending is done. A failure records the attempt and its error and rethrows, so BullMQ
 * retries with backoff; after the last attempt the delivery is marked `failed`. Nothing in the
 * engine waits for this queue, so a failing robot never holds a process up.
 */
@Injectable()
export class WebhookProcessor {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WORKER_OPTIONS) private readonly options: Pick<WorkerAppOptions, 'webhookTimeoutMs'>,
  ) {}

  async handle(data: unknown, attempt: Attempt = SINGLE_ATTEMPT): Promise<DeliveryOutcome> {
    const { deliveryId } = jobInput.deliverWebhook(data);
    const [delivery] = await this.dataSource.query<DeliveryRow[]>(
      `SELECT d.state, w.url, w.format, w.active, n.title, n.body, n.recipient
         FROM webhook_deliveries d
         JOIN webhooks w ON w.id = d.webhook_id
         JOIN notifications n ON n.id = d.notification_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    if (!delivery) throw new UnrecoverableError(`deliver-webhook: no delivery '${deliveryId}'`);
    if (delivery.state !== 'pending') return 'skipped';
    if (!delivery.active || !isWebhookFormat(delivery.format)) {
      const reason = delivery.active
        ? `unknown webhook format '${delivery.format}'`
        : 'the webhook was deactivated';
      await this.record(deliveryId, 'failed', reason);
      return 'failed';
    }
    try {
      await postWebhook(
        delivery.url,
        webhookPayload(delivery.format, {
          title: delivery.title,
          body: delivery.body,
          recipient: delivery.recipient,
        }),
        this.options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.record(deliveryId, isLastAttempt(attempt) ? 'failed' : 'pending', message);
      throw error;
    }
    await this.record(deliveryId, 'delivered', null);
    return 'delivered';
  }

  private async record(
    deliveryId: string,
    state: 'pending' | 'delivered' | 'failed',
    error: string | null,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET state = $2, attempts = attempts + 1, last_error = COALESCE($3, last_error),
              delivered_at = CASE WHEN $2 = 'delivered' THEN $4::timestamptz ELSE NULL END
        WHERE id = $1 AND state = 'pending'`,
      [deliveryId, state, error, new Date(this.clock.now())],
    );
  }
}
