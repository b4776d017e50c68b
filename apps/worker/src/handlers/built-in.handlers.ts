import type { BuiltInServiceTaskType } from '@app/bpmn';
import type { JsonValue } from '@app/feel';
import type { OrgDirectory } from '@app/org';
import type { Clock } from '@app/store';
import { UnrecoverableError } from 'bullmq';
import { type Notifier, fillTemplatesByName, groupRecipient } from '../notify/index.js';
import type { JobContext, JobHandler, JobHandlers } from './job-handler.js';
import { memberStatusHandler } from './member-status.handler.js';
import { notifyHandler } from './notify.handler.js';

/** Default audience of `notify-members`. */
export const MEMBERS_RECIPIENT = groupRecipient('members');

/**
 * The recipients of `notify-members`: the variable `recipients` (a list of recipient ids, or
 * one) when present, else every member (`group:members`).
 */
export function memberRecipients(variables: Readonly<Record<string, JsonValue>>): string[] {
  const value = variables.recipients;
  if (value === undefined || value === null) return [MEMBERS_RECIPIENT];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return [MEMBERS_RECIPIENT];
  if (!list.every((item): item is string => typeof item === 'string' && item.trim() !== '')) {
    throw new UnrecoverableError(
      `notify-members: 'recipients' must be a recipient id or a list of them, got ${JSON.stringify(value)}`,
    );
  }
  return list.map((item) => item.trim());
}

/**
 * `notify-members`: one inbox notification per recipient (and its webhook deliveries), deduped
 * by the task id. Headers: `title` (default: the element id) and `message`, both with `{name}`
 * placeholders filled from the instance variables (a variable holding member ids reads as their
 * names). Only people of the instance's org unit are
 * reached (see OrgDirectory.recipientsOutside): a recipient outside it fails the job (an
 * incident naming it) and nobody is notified.
 */
export function notifyMembersHandler(notifier: Notifier, directory: OrgDirectory): JobHandler {
  return async (ctx: JobContext) => {
    const recipients = memberRecipients(ctx.variables);
    const outside = await directory.recipientsOutside(ctx.orgUnitId, recipients);
    if (outside.length > 0) {
      const unit =
        ctx.orgUnitId === null
          ? 'the instance (it has no org unit)'
          : `org unit '${ctx.orgUnitId}'`;
      const named = outside
        .slice(0, 5)
        .map((r) => `'${r.slice(0, 64)}'`)
        .join(', ');
      const more = outside.length > 5 ? ` and ${outside.length - 5} more` : '';
      throw new UnrecoverableError(
        `notify-members (${ctx.elementId}): 'recipients' names nobody of ${unit}: ${named}${more}`,
      );
    }
    const [title = '', body = ''] = await fillTemplatesByName(
      notifier.dataSource.manager,
      [
        ctx.headers.title ?? ctx.elementId,
        ctx.headers.message ?? ctx.headers.title ?? ctx.elementId,
      ],
      ctx.variables,
    );
    await notifier.notify({
      cause: `notify-${ctx.taskId}`,
      kind: 'notice',
      recipients,
      title,
      body,
      taskId: ctx.taskId,
      instanceId: ctx.instanceId,
    });
  };
}

/** `noop`: completes the task with no variables (placeholders, tests). */
export const noopHandler: JobHandler = () => Promise.resolve();

/** The handler of each of BUILT_IN_SERVICE_TASK_TYPES (the list deploy and lint accept). */
export function builtInHandlers(
  notifier: Notifier,
  directory: OrgDirectory,
  clock: Clock,
): Record<BuiltInServiceTaskType, JobHandler> & JobHandlers {
  return {
    'notify-members': notifyMembersHandler(notifier, directory),
    'member-status': memberStatusHandler(directory, clock),
    notify: notifyHandler(notifier),
    noop: noopHandler,
  };
}
