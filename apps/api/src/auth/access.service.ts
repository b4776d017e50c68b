import { SYSTEM_STREAM, appendAudit } from '@app/audit';
import { OrgDirectory, type Principal } from '@app/org';
import { CLOCK, DATA_SOURCE } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { HttpProblem } from '../common/http-problem.js';

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

  /** The path of an org unit, or null when there is no such unit (or no unit at all). */
  async unitPath(orgUnitId: string | null): Promise<string | null> {
    if (orgUnitId === null) return null;
    const known = this.paths.get(orgUnitId);
    if (known !== undefined) return known;
    const unit = await this.org.findUnit(orgUnitId);
    if (!unit) return null;
    this.paths.set(orgUnitId, unit.path);
    return unit.path;
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
