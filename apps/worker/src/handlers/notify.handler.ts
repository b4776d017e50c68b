import { ChannelsRepository } from '@app/org';
import { UnrecoverableError } from 'bullmq';
import { type Notifier, fillTemplatesByName, groupRecipient } from '../notify/index.js';
import type { JobContext, JobHandler } from './job-handler.js';

/** The `channel` header of `notify`: every channel of the unit (default). */
export const NOTIFY_ALL_CHANNELS = 'all';
/** The `channel` header of `notify`: the members' inbox only, no group robot. */
export const NOTIFY_INBOX_ONLY = 'inbox';

/**
 * `notify` (built in): a notice from a template, without code. Headers: `template` (required;
 * `{name}` placeholders filled from the instance variables; member ids read as names), `title` (default: the element id,
 * placeholders too) and `channel`: `all` (default) — the members' inbox of the instance's unit
 * and every enabled channel (group robot) of that unit; `inbox` — the inbox only; or the name
 * of one channel of the unit — the inbox and that channel (a name the unit has no enabled
 * channel of fails the job: an incident naming it). Never another unit's channel. The task
 * completes once the notice is written; delivery goes on through the outbox (deduped by the
 * task id, so a job run twice notifies once).
 */
export function notifyHandler(notifier: Notifier): JobHandler {
  const { dataSource } = notifier;
  const channels = new ChannelsRepository(dataSource);
  return async (ctx: JobContext) => {
    const template = ctx.headers.template;
    if (template === undefined || template.trim() === '') {
      throw new UnrecoverableError(`notify (${ctx.elementId}): the header 'template' is missing`);
    }
    const channel = (ctx.headers.channel ?? NOTIFY_ALL_CHANNELS).trim();
    const unit = ctx.orgUnitId;
    let channelUnits: string[] = unit === null ? [] : [unit];
    let channelName: string | undefined;
    if (channel === NOTIFY_INBOX_ONLY) channelUnits = [];
    else if (channel !== NOTIFY_ALL_CHANNELS) {
      const known = unit !== null && (await channels.hasEnabled(dataSource.manager, unit, channel));
      if (!known) {
        throw new UnrecoverableError(
          `notify (${ctx.elementId}): ${unit === null ? 'the instance has no org unit, so no' : `org unit '${unit}' has no enabled`} channel named '${channel.slice(0, 64)}' (the header 'channel' is all, inbox or a channel's name)`,
        );
      }
      channelName = channel;
    }
    const [title = '', body = ''] = await fillTemplatesByName(
      dataSource.manager,
      [ctx.headers.title ?? ctx.elementId, template],
      ctx.variables,
    );
    await notifier.notify({
      cause: `notify-${ctx.taskId}`,
      kind: 'notice',
      recipients: [groupRecipient('members')],
      title,
      body,
      taskId: ctx.taskId,
      instanceId: ctx.instanceId,
      channelUnits,
      ...(channelName === undefined ? {} : { channelName }),
    });
  };
}
