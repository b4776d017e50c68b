import type { Env } from '@app/config';
import { MEMBER_REFERENCES, OrgDirectory } from '@app/org';
import { OutboxDispatcher } from '@app/queue';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import {
  BulkStarts,
  type BulkProgress,
  type Clock,
  DefinitionCache,
  RuntimeException,
  RuntimeExceptionCode,
} from '@app/store';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { actorOf } from '../auth/principal.decorator.js';
import { invalidRequest } from '../common/validation.js';
import type { BulkStartDto, BulkStartProgressDto } from './dto/bulk-start.dto.js';
import { refuseScheduledKey } from './instances.service.js';

/**
 * A directive to every branch of a subtree (`POST /api/instances/bulk`): the api writes the
 * bulk start's plan — one start per branch, in batches, with their jobs in the outbox — in one
 * transaction and answers at once (202); the workers run the batches (`bulk-starts` queue,
 * libs/store BulkStarts), each one transaction, idempotent by business key. Its progress is a
 * sum over the batches.
 */
@Injectable()
export class BulkStartsService {
  private readonly logger = new Logger('BulkStarts');
  private readonly bulk: BulkStarts;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(DefinitionCache) private readonly definitions: DefinitionCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
    @Inject(OutboxDispatcher) private readonly dispatcher: OutboxDispatcher,
    private readonly access: AccessService,
    private readonly org: OrgDirectory,
  ) {
    this.bulk = new BulkStarts(dataSource, null);
  }

  /**
   * Plans one instance of `templateKey` in every branch at or under `orgUnitId`. Only a
   * supervisor over the unit (the branches' affairs are their secretaries' and supervisors';
   * a secretary, who reads her own branch, gets 403); a unit that does not exist and one
   * outside the caller's scope get the same 400 naming `orgUnitId`.
   */
  async start(input: BulkStartDto, caller: Caller): Promise<BulkStartProgressDto> {
    const path = await this.access.readableUnit(caller.principal, caller, input.orgUnitId);
    await this.access.assertRoleOver(caller, ['supervisor'], input.orgUnitId, 'a bulk start');
    refuseScheduledKey(input.businessKey);
    const variables = input.variables ?? {};
    const naming = Object.keys(MEMBER_REFERENCES).filter((name) => Object.hasOwn(variables, name));
    if (naming.length > 0) {
      throw invalidRequest(
        naming.map((name) => ({
          field: `variables.${name}`,
          message: `variables.${name}：批量下达不能指定党员（党员只属于一个支部，批量下达面向多个支部）`,
        })),
      );
    }
    await this.definitions.ensure([]);
    const graph = this.definitions.latest(input.templateKey);
    if (!graph) {
      throw new RuntimeException(
        RuntimeExceptionCode.TEMPLATE_NOT_FOUND,
        `no template '${input.templateKey}' is deployed`,
      );
    }
    const max = this.env.BULK_START_MAX;
    const branches = await this.org.branchesUnder(path, max + 1);
    if (branches.length > max) {
      throw invalidRequest([
        {
          field: 'orgUnitId',
          message: `orgUnitId：该党组织下的支部超过 ${max} 个，一次批量下达最多 ${max} 个支部；请分别向下级党组织下达`,
        },
      ]);
    }
    if (branches.length === 0) {
      throw invalidRequest([{ field: 'orgUnitId', message: 'orgUnitId：该党组织下没有党支部' }]);
    }
    const plan = await this.dataSource.transaction((manager) =>
      this.bulk.plan(
        manager,
        {
          kind: 'directive',
          templateKey: input.templateKey,
          orgUnitId: input.orgUnitId,
          requestedBy: actorOf(caller.principal),
          inputs: branches.map((branch) => ({
            templateKey: input.templateKey,
            businessKey: input.businessKey,
            orgUnitId: branch.id,
            variables,
          })),
        },
        this.clock.now(),
      ),
    );
    await this.dispatcher.deliverAfterCommit(plan.outbox, (message) => this.logger.warn(message));
    return this.progress(plan.id, caller);
  }

  /** How far a bulk start is: whoever reads its unit; for anyone else it is absent (404). */
  async progress(id: string, caller: Caller): Promise<BulkStartProgressDto> {
    const progress = await this.bulk.progress(id);
    if (!progress) throw notFound(id);
    await this.access.assertCanSee(caller, progress.orgUnitId, `bulk start '${id}'`, () =>
      notFound(id),
    );
    await this.definitions.ensure([]);
    const unit = progress.orgUnitId === null ? null : await this.org.findUnit(progress.orgUnitId);
    return toDto(progress, this.definitions.latest(progress.templateKey)?.name ?? null, unit?.name);
  }
}

function notFound(id: string): RuntimeException {
  return new RuntimeException(RuntimeExceptionCode.BULK_START_NOT_FOUND, `no bulk start '${id}'`);
}

function toDto(
  progress: BulkProgress,
  templateName: string | null,
  orgUnitName: string | null | undefined,
): BulkStartProgressDto {
  return {
    id: progress.id,
    kind: progress.kind,
    templateKey: progress.templateKey,
    templateName,
    orgUnitId: progress.orgUnitId,
    orgUnitName: orgUnitName ?? null,
    createdAt: progress.createdAt.toISOString(),
    total: progress.total,
    started: progress.started,
    existing: progress.existing,
    failed: progress.failed,
    left: progress.left,
    batches: progress.batches,
    batchesDone: progress.batchesDone,
    error: progress.error,
    finishedAt: progress.finishedAt?.toISOString() ?? null,
  };
}
