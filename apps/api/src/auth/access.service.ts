import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import {
  type AssignableTask,
  OrgDirectory,
  type Principal,
  canActOnTask,
  canReadUnit,
  hasRoleOver,
} from '@app/org';
import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { HttpProblem } from '../common/http-problem.js';
import type { Caller } from './caller.decorator.js';

/**
 * Refusals and the org lookups access checks need. Every refusal (401 and 403) is written to
 * the audit trail (system stream, `access.refused`) before the error reaches the client.
 */
@Injectable()
export class AccessService {
  /** Org unit id → path. Paths never change once a unit exists (units are not moved). */
  private readonly paths = new Map<string, string>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly org: OrgDirectory,
  ) {}

  /**
   * The path of an org unit, or null when there is no such unit (or no unit at all). Inside a
   * transaction, pass its manager: the lookup then uses the transaction's connection.
   */
  async unitPath(orgUnitId: string | null, manager?: EntityManager): Promise<string | null> {
    if (orgUnitId === null) return null;
    const known = this.paths.get(orgUnitId);
    if (known !== undefined) return known;
    const unit = await this.org.findUnit(orgUnitId, manager);
    if (!unit) return null;
    this.paths.set(orgUnitId, unit.path);
    return unit.path;
  }

  /** Refuses (403) unless the caller reads the unit (secretary of it, supervisor over it). */
  async assertCanRead(caller: Caller, orgUnitId: string | null, what: string): Promise<void> {
    if (canReadUnit(caller.principal, await this.unitPath(orgUnitId))) return;
    await this.forbid(
      caller.principal,
      caller,
      `${what} belongs to ${unitName(orgUnitId)}, outside your scope`,
    );
  }

  /** Refuses (403) unless the caller may claim / complete the task (see canActOnTask). */
  async assertCanAct(
    caller: Caller,
    task: AssignableTask & { id: string },
    orgUnitId: string | null,
  ): Promise<void> {
    if (canActOnTask(caller.principal, task, await this.unitPath(orgUnitId))) return;
    await this.forbid(
      caller.principal,
      caller,
      `task '${task.id}' (${unitName(orgUnitId)}) is not assigned or offered to you`,
    );
  }

  /** Refuses (403) unless the caller holds one of `roles` over the unit. */
  async assertRoleOver(
    caller: Caller,
    roles: readonly ('secretary' | 'supervisor' | 'member' | 'integrator')[],
    orgUnitId: string | null,
    what: string,
  ): Promise<void> {
    const path = await this.unitPath(orgUnitId);
    if (roles.some((role) => hasRoleOver(caller.principal, role, path))) return;
    await this.forbid(
      caller.principal,
      caller,
      `${what} needs the role ${roles.join(' or ')} over ${unitName(orgUnitId)}`,
    );
  }

  /** Refuses (403) unless the caller holds one of `roles` anywhere. */
  async assertRole(
    caller: Caller,
    roles: readonly ('secretary' | 'supervisor' | 'member' | 'integrator')[],
    what: string,
  ): Promise<void> {
    if (caller.principal.grants.some((grant) => roles.includes(grant.role))) return;
    await this.forbid(caller.principal, caller, `${what} needs the role ${roles.join(' or ')}`);
  }

  /** Audits the refusal and throws 403 with `reason` (what was refused and why). */
  async forbid(
    principal: Principal,
    request: { method?: string; url?: string },
    reason: string,
  ): Promise<never> {
    await this.record(principal.userId, HttpStatus.FORBIDDEN, request, reason);
    throw new HttpProblem(HttpStatus.FORBIDDEN, reason);
  }

  /** Audits the refusal and throws 401. */
  async unauthenticated(
    request: { method?: string; url?: string },
    reason: string,
  ): Promise<never> {
    await this.record('anonymous', HttpStatus.UNAUTHORIZED, request, reason);
    throw new HttpProblem(HttpStatus.UNAUTHORIZED, reason);
  }

  private async record(
    actor: string,
    status: number,
    request: { method?: string; url?: string },
    reason: string,
  ): Promise<void> {
    await this.dataSource.transaction((manager) =>
      appendAudit(manager, SYSTEM_STREAM, [
        {
          type: 'access.refused',
          actor,
          at: this.clock.now(),
          data: { status, method: request.method ?? null, path: request.url ?? null, reason },
        },
      ]),
    );
  }
}

function unitName(orgUnitId: string | null): string {
  return orgUnitId === null ? 'no org unit' : `org unit '${orgUnitId}'`;
}
