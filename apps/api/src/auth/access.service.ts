import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  type AssignableTask,
  OrgDirectory,
  type Principal,
  type Role,
  canActOnTask,
  canReadUnit,
  hasRoleOver,
  needsApprovalPath,
} from '@app/org';
import type { Env } from '@app/config';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { HttpProblem } from '../common/http-problem.js';
import { GenericCode, messageFor, roleNames } from '../common/messages.js';
import { invalidRequest } from '../common/validation.js';
import type { Caller } from './caller.decorator.js';
import { RefusalLog, type RefusalRequest } from './refusal-log.js';

/**
 * Refusals and the org lookups access checks need. Every refusal (401, 403, and the 404 / 400
 * that conceals an object or unit outside the caller's scope) is written to the audit trail
 * (system stream, `access.refused`, with the real reason) before the error reaches the client.
 *
 * Out of scope is absent: a caller who may not read an object gets exactly what a caller
 * asking for a missing one gets. 403 is only for an object the caller reads but may not act
 * on (a secretary who sees a supervisor's step; see apps/api/README.md, "Refusals").
 */
/** How long a unit's path is kept, and how many are kept at most. */
const UNIT_PATH_TTL_MS = 5_000;
const UNIT_PATHS_KEPT = 10_000;

@Injectable()
export class AccessService implements OnModuleDestroy {
  /**
   * Org unit id → path, kept UNIT_PATH_TTL_MS: every completion's check needs its unit's path,
   * and a read per completion halved the completions a second (bench:runtime). A move of a
   * subtree changes paths: this process forgets them at once (forgetUnitPaths), another api
   * within the TTL — as it keeps a token's grants (their paths) for the same time.
   */
  private readonly paths = new Map<string, { path: string; until: number }>();

  /** Refusal records, bounded and aggregated per source (see RefusalLog). */
  private readonly refusals: RefusalLog;
  private readonly flushTimer: NodeJS.Timeout;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly org: OrgDirectory,
    @Inject(ENV) env: Env,
  ) {
    this.refusals = new RefusalLog(
      async (events) => {
        await this.dataSource.transaction((manager) => appendAudit(manager, SYSTEM_STREAM, events));
      },
      () => this.clock.now(),
    );
    const logger = new Logger('Access');
    this.flushTimer = setInterval(() => {
      this.refusals.flush().catch((error: unknown) => {
        logger.error(
          `refusal summaries not written: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }, env.REFUSAL_FLUSH_SECONDS * 1000);
    this.flushTimer.unref();
  }

  /** Writes the refusals counted since the last summary (the database is still open here). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.refusals.flush();
  }

  /**
   * The path of an org unit, or null when there is no such unit (or no unit at all). Inside a
   * transaction, pass its manager: the lookup then uses the transaction's connection.
   */
  async unitPath(orgUnitId: string | null, manager?: EntityManager): Promise<string | null> {
    if (orgUnitId === null) return null;
    const now = performance.now();
    const known = this.paths.get(orgUnitId);
    if (known !== undefined && known.until > now) return known.path;
    const unit = await this.org.findUnit(orgUnitId, manager);
    if (!unit) return null;
    if (this.paths.size >= UNIT_PATHS_KEPT) this.paths.clear();
    this.paths.set(orgUnitId, { path: unit.path, until: now + UNIT_PATH_TTL_MS });
    return unit.path;
  }

  /** Forgets the kept unit paths (this process moved a subtree: they changed at once). */
  forgetUnitPaths(): void {
    this.paths.clear();
  }

  /**
   * Out of scope is absent: unless the caller reads the unit (secretary of it, supervisor over
   * it), the refusal is audited with the real unit and the client gets `absent()` — the very
   * error a missing object gets (404, same body), so it learns nothing of the object.
   */
  async assertCanSee(
    caller: Caller,
    orgUnitId: string | null,
    what: string,
    absent: () => Error,
  ): Promise<void> {
    if (canReadUnit(caller.principal, await this.unitPath(orgUnitId))) return;
    await this.conceal(
      caller.principal,
      caller,
      `${what} belongs to ${unitName(orgUnitId)}, outside your scope`,
      absent(),
    );
  }

  /**
   * For a list filtered by an object the caller may not read (which the list's scope already
   * leaves out, as for an unknown id): audits the probe, throws nothing.
   */
  async noteHidden(caller: Caller, orgUnitId: string | null, what: string): Promise<void> {
    if (canReadUnit(caller.principal, await this.unitPath(orgUnitId))) return;
    await this.record(
      caller.principal.userId,
      HttpStatus.OK,
      caller,
      `${what} belongs to ${unitName(orgUnitId)}, outside your scope: left out of the list`,
    );
  }

  /**
   * The path of an org unit a list is filtered by, when the caller reads it. An unknown unit
   * and a unit outside the caller's scope get the same 400 (`no org unit`); the second is
   * audited with the truth.
   */
  async readableUnit(
    principal: Principal,
    request: { method?: string; url?: string },
    orgUnitId: string,
    field = 'orgUnitId',
  ): Promise<string> {
    const path = await this.unitPath(orgUnitId);
    const absent = invalidRequest([{ field, message: `${field}：未找到该党组织` }]);
    if (path === null) throw absent;
    if (!canReadUnit(principal, path)) {
      await this.conceal(
        principal,
        request,
        `org unit '${orgUnitId}' (${field}) is outside your scope`,
        absent,
      );
    }
    return path;
  }

  /**
   * Refuses unless the caller may claim / complete the task (see canActOnTask): 403 when the
   * caller reads the task's unit (it sees the task, but it is not theirs), else `absent()`.
   */
  async assertCanAct(
    caller: Caller,
    task: AssignableTask & { id: string },
    orgUnitId: string | null,
    absent: () => Error,
  ): Promise<void> {
    const path = await this.unitPath(orgUnitId);
    const approval = await this.approvalPath(task, orgUnitId);
    if (canActOnTask(caller.principal, task, path, approval)) return;
    await this.refuseTask(caller, task.id, orgUnitId, path, absent);
  }

  /**
   * For a task offered to a `<role>@approving` group, the path of the nearest unit at or above
   * its instance's unit holding approval authority (read afresh: an administrator may grant or
   * withdraw it); null for any other task. Inside a transaction, pass its manager.
   */
  async approvalPath(
    task: AssignableTask,
    orgUnitId: string | null,
    manager?: EntityManager,
  ): Promise<string | null> {
    return needsApprovalPath(task) ? this.org.approvalPath(orgUnitId, manager) : null;
  }

  /** The refusal of a task the caller may not act on: 403 if it sees the task, else absent. */
  async refuseTask(
    caller: Caller,
    taskId: string,
    orgUnitId: string | null,
    path: string | null,
    absent: () => Error,
  ): Promise<never> {
    const reason = `task '${taskId}' (${unitName(orgUnitId)}) is not assigned or offered to you`;
    if (canReadUnit(caller.principal, path)) {
      return this.forbid(caller.principal, caller, reason, '该任务没有分派给您，您不能办理');
    }
    return this.conceal(caller.principal, caller, reason, absent());
  }

  /** Refuses (403) unless the caller holds one of `roles` over the unit. */
  async assertRoleOver(
    caller: Caller,
    roles: readonly Role[],
    orgUnitId: string | null,
    what: string,
  ): Promise<void> {
    const path = await this.unitPath(orgUnitId);
    if (roles.some((role) => hasRoleOver(caller.principal, role, path))) return;
    await this.forbid(
      caller.principal,
      caller,
      `${what} needs the role ${roles.join(' or ')} over ${unitName(orgUnitId)}`,
      `只有该党组织的${roleNames(roles)}可以执行此操作`,
    );
  }

  /** Refuses (403) unless the caller holds one of `roles` anywhere. */
  async assertRole(caller: Caller, roles: readonly Role[], what: string): Promise<void> {
    if (caller.principal.grants.some((grant) => roles.includes(grant.role))) return;
    await this.forbid(
      caller.principal,
      caller,
      `${what} needs the role ${roles.join(' or ')}`,
      `只有${roleNames(roles)}可以执行此操作`,
    );
  }

  /**
   * Audits the refusal with `reason` (what was refused and why, for the audit trail) and
   * throws 403 FORBIDDEN; the client reads `shown`, the same reason in Chinese («只有上级党组织的
   * 督导人员可以销号»), or the catalogue's generic sentence.
   */
  async forbid(
    principal: Principal,
    request: { method?: string; url?: string },
    reason: string,
    shown: string = messageFor(GenericCode.FORBIDDEN),
  ): Promise<never> {
    await this.record(principal.userId, HttpStatus.FORBIDDEN, request, reason);
    throw new HttpProblem(HttpStatus.FORBIDDEN, shown, undefined, GenericCode.FORBIDDEN);
  }

  /**
   * Audits the refusal (with `reason`, the truth) and throws `absent`: what the client gets
   * for a missing object, so an object outside its scope is indistinguishable from none.
   */
  async conceal(
    principal: Principal,
    request: { method?: string; url?: string },
    reason: string,
    absent: Error,
  ): Promise<never> {
    const status = absent instanceof HttpException ? absent.getStatus() : HttpStatus.NOT_FOUND;
    await this.record(principal.userId, status, request, reason);
    throw absent;
  }

  /** Audits the refusal and throws 401. */
  async unauthenticated(
    request: { method?: string; url?: string },
    reason: string,
  ): Promise<never> {
    await this.record('anonymous', HttpStatus.UNAUTHORIZED, request, reason);
    throw new HttpProblem(
      HttpStatus.UNAUTHORIZED,
      messageFor(GenericCode.UNAUTHENTICATED),
      undefined,
      GenericCode.UNAUTHENTICATED,
    );
  }

  /**
   * Audits (aggregated, like every refusal) and throws 429: the address failed to authenticate
   * too often (AUTH_FAILURES_PER_MINUTE) and is locked out for `retryAfterSeconds`.
   */
  async tooManyFailures(request: RefusalRequest, retryAfterSeconds: number): Promise<never> {
    const reason = `too many failed authentications from this address; retry in ${retryAfterSeconds} s`;
    await this.record('anonymous', HttpStatus.TOO_MANY_REQUESTS, request, reason);
    throw new HttpProblem(
      HttpStatus.TOO_MANY_REQUESTS,
      `此地址认证失败次数过多，请 ${retryAfterSeconds} 秒后再试`,
      undefined,
      GenericCode.TOO_MANY_REQUESTS,
    );
  }

  /**
   * Audits a refusal with bounded fields (method, path, query, route, address, user agent and
   * reason, each cut to a few hundred characters); the first from a source is written at
   * once, repeats are summed into one event per source and REFUSAL_FLUSH_SECONDS.
   */
  private async record(
    actor: string,
    status: number,
    request: RefusalRequest,
    reason: string,
  ): Promise<void> {
    await this.refusals.record(actor, status, request, reason);
  }
}

function unitName(orgUnitId: string | null): string {
  return orgUnitId === null ? 'no org unit' : `org unit '${orgUnitId}'`;
}
