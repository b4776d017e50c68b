import { type MemberStatus, OrgDirectory, OrgException, OrgExceptionCode } from '@app/org';
import type { Clock } from '@app/store';
import { UnrecoverableError } from 'bullmq';
import type { JobContext, JobHandler } from './job-handler.js';

/** The statuses a process may set (an applicant is where a member starts, never a step's outcome). */
export const SETTABLE_MEMBER_STATUSES = [
  'activist',
  'candidate',
  'probationary',
  'full',
  'cancelled',
] as const satisfies readonly MemberStatus[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The actor of status changes made by a process (as for the task completions of the worker). */
export const MEMBER_STATUS_ACTOR = 'system:worker';

/**
 * `member-status`: sets the status of the member in the variable `memberId` to the task header
 * `status` — only a member of the instance's org unit or its subtree; a member elsewhere is
 * treated as absent ("no member … in org unit …": an incident, nothing written). Idempotent (setting the status a member has changes nothing and writes no audit
 * event), so a redelivered job has one effect. Bad input — no or unknown (or out-of-scope) `memberId`, a missing
 * or unknown `status` — is an UnrecoverableError: the job fails at once (an incident on the
 * element, where it can be seen and resolved) instead of retrying what cannot succeed.
 */
export function memberStatusHandler(directory: OrgDirectory, clock: Clock): JobHandler {
  return async (ctx: JobContext) => {
    const where = `member-status (instance ${ctx.instanceId}, element ${ctx.elementId})`;
    const status = ctx.headers.status;
    if (!status || !(SETTABLE_MEMBER_STATUSES as readonly string[]).includes(status)) {
      throw new UnrecoverableError(
        `${where}: task header 'status' is ${status ? `'${status}'` : 'missing'}; it must be one of ${SETTABLE_MEMBER_STATUSES.join(', ')}`,
      );
    }
    const memberId = ctx.variables.memberId;
    if (typeof memberId !== 'string' || !UUID.test(memberId)) {
      throw new UnrecoverableError(
        `${where}: variable 'memberId' must be a member id (a uuid), got ${JSON.stringify(memberId ?? null)}`,
      );
    }
    try {
      // Only a member of the instance's unit or below: any other is absent (no write).
      await directory.setMemberStatus(
        memberId,
        status as MemberStatus,
        MEMBER_STATUS_ACTOR,
        clock.now(),
        undefined,
        { within: ctx.orgUnitId },
      );
    } catch (error) {
      if (error instanceof OrgException && error.code === OrgExceptionCode.MEMBER_NOT_FOUND) {
        throw new UnrecoverableError(`${where}: ${error.message}`);
      }
      throw error;
    }
  };
}
