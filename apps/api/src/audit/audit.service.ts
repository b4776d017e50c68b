import {
  type AuditVerification,
  SYSTEM_STREAM,
  auditStreamRecorded,
  verifyAudit,
} from '@app/audit';
import { LedgerStore } from '@app/ledger';
import type { Principal } from '@app/org';
import { DATA_SOURCE } from '@app/runtime';
import { InstancesRepository } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { HttpProblem } from '../common/http-problem.js';
import type { AuditVerificationDto } from './dto/audit-verification.dto.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LEDGER_STREAM = /^ledger:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * Verification of the audit trail, scoped like reading (docs/audit.md):
 * - the whole trail (no `stream`), the system stream, and streams that belong to no unit:
 *   a supervisor of a committee (a root unit) only — anyone else gets 403 for the whole trail
 *   and the absent stream's 404 for the others;
 * - an instance's stream (its id) or a hand-opened ledger item's (`ledger:<id>`): whoever reads
 *   its unit; for anyone else it is absent (the same 404 as an unknown stream, no unit named).
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LedgerStore) private readonly ledger: LedgerStore,
    private readonly access: AccessService,
  ) {
    this.instances = new InstancesRepository(dataSource);
  }

  private readonly instances: InstancesRepository;

  async verify(caller: Caller, stream?: string): Promise<AuditVerificationDto> {
    const committee = isCommitteeSupervisor(caller.principal);
    if (stream === undefined) {
      if (!committee) {
        await this.access.forbid(
          caller.principal,
          caller,
          'verifying the whole audit trail needs the role supervisor on a committee (a root unit); ' +
            'pass stream=<instance id> to verify the stream of an instance you read',
          '只有党委的督导人员可以校验整个审计链；要校验您能查看的流程实例，请用 stream 指定实例',
        );
      }
      return toDto(await verifyAudit(this.dataSource.manager));
    }
    const owner = await this.ownerOf(stream);
    if (typeof owner === 'string') {
      await this.access.assertCanSee(caller, owner, `audit stream '${stream}'`, () =>
        absent(stream),
      );
    } else {
      // The system stream, or one that belongs to no unit: the committee's alone
      if (owner === undefined && !(await auditStreamRecorded(this.dataSource.manager, stream))) {
        throw absent(stream);
      }
      if (!committee) {
        await this.access.assertCanSee(caller, null, `audit stream '${stream}'`, () =>
          absent(stream),
        );
      }
    }
    return toDto(await verifyAudit(this.dataSource.manager, { stream }));
  }

  /**
   * The org unit a stream belongs to: its instance's or hand-opened ledger item's (a string);
   * null for the system stream and an instance or item without a unit; undefined when no
   * instance or item has this id.
   */
  private async ownerOf(stream: string): Promise<string | null | undefined> {
    if (stream === SYSTEM_STREAM) return null;
    const ledger = LEDGER_STREAM.exec(stream);
    const owner = ledger
      ? await this.ledger.orgUnitOf(ledger[1])
      : UUID.test(stream)
        ? await this.instances.orgUnitOf(stream)
        : null;
    return owner === null ? undefined : owner.orgUnitId;
  }
}

/** A supervisor on a root unit (a committee): the one who answers for the whole trail. */
function isCommitteeSupervisor(principal: Principal): boolean {
  return principal.grants.some(
    (grant) => grant.role === 'supervisor' && /^\/[^/]+\/$/.test(grant.path),
  );
}

/** What an unknown stream and a stream outside the caller's scope both get. */
function absent(_stream: string): HttpProblem {
  return new HttpProblem(HttpStatus.NOT_FOUND, '未找到该审计记录流');
}

function toDto(result: AuditVerification): AuditVerificationDto {
  return {
    ok: result.ok,
    streams: result.streams,
    events: result.events,
    broken: result.broken && { ...result.broken },
  };
}
