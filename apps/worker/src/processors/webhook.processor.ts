import type { Env } from '@app/config';
import {
  ChannelsRepository,
  lookupNames,
  postToRobot,
  robotPayload,
  robotUrlProblem,
  signedUrl,
} from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { type Attempt, SINGLE_ATTEMPT, isLastAttempt, jobInput } from '../jobs/job-input.js';
import { WebhookDeliveryError } from '../notify/index.js';
import type { WorkerAppOptions } from '../worker-options.js';
import { WORKER_OPTIONS } from '../worker.tokens.js';

export type DeliveryOutcome = 'delivered' | 'skipped' | 'failed';

/**
 * `notifications` / `deliver-webhook`: POSTs one notice to one channel (an org unit's group
 * robot; DingTalk with its 加签 signature when it has a secret). A delivery already `sent` or
 * `failed` is done. A failed attempt records `retrying` with the channel's answer and rethrows,
 * so BullMQ retries with backoff; the last one records `failed`. A channel disabled, deleted, or
 * whose host CHANNEL_HOSTS no longer allows is `failed` at once, saying why. Nothing in the
 * engine waits for this queue, so a failing robot never holds a process up.
 */
@Injectable()
export class WebhookProcessor {
  private readonly channels: ChannelsRepository;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(WORKER_OPTIONS) private readonly options: Pick<WorkerAppOptions, 'webhookTimeoutMs'>,
  ) {
    this.channels = new ChannelsRepository(dataSource);
  }

  async handle(data: unknown, attempt: Attempt = SINGLE_ATTEMPT): Promise<DeliveryOutcome> {
    const { deliveryId } = jobInput.deliverWebhook(data);
    const delivery = await this.channels.deliveryToSend(deliveryId);
    if (!delivery) throw new UnrecoverableError(`deliver-webhook: no delivery '${deliveryId}'`);
    if (delivery.state === 'sent' || delivery.state === 'failed') return 'skipped';
    const { target } = delivery;
    const refusal = target.deleted
      ? 'the channel was deleted'
      : !target.enabled
        ? 'the channel is disabled'
        : robotUrlProblem(target.url, this.env.channelHosts);
    if (refusal !== null) {
      await this.channels.recordAttempt(deliveryId, 'failed', `not sent: ${refusal}`, this.now());
      return 'failed';
    }
    // A person reads the recipient by name (「张三」, 「研发中心党支部 全体党员」), never an id
    const names = await lookupNames(this.dataSource.manager, {
      people: [delivery.recipient],
      units: [delivery.subjectUnitId],
    });
    const recipient = names.label(delivery.recipient, delivery.subjectUnitId);
    const { ok, answer } = await postToRobot(
      signedUrl(target.kind, target.url, target.secret, this.now()),
      robotPayload(target.kind, { title: delivery.title, body: delivery.body, recipient }),
      this.options.webhookTimeoutMs ?? this.env.CHANNEL_TIMEOUT_MS,
    );
    if (!ok) {
      const state = isLastAttempt(attempt) ? 'failed' : 'retrying';
      await this.channels.recordAttempt(deliveryId, state, answer, this.now());
      throw new WebhookDeliveryError(answer);
    }
    await this.channels.recordAttempt(deliveryId, 'sent', answer, this.now());
    return 'delivered';
  }

  private now(): number {
    return this.clock.now();
  }
}
