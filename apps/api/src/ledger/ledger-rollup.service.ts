import type { Env } from '@app/config';
import { LedgerStore, periodsBetween } from '@app/ledger';
import { type Principal, canReadUnit, covers, scopePaths } from '@app/org';
import { ENV } from '@app/runtime';
import { Inject, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { OverdueQueryDto } from './dto/ledger.dto.js';
import type { OverdueListDto, UnitRollupDto, UnitRollupQueryDto } from './dto/unit-rollup.dto.js';
import { LedgerService, type RequestInfo } from './ledger.service.js';

/**
 * The supervisor's boards. The cockpit's tree, one level at a time: a unit's direct children (or the caller's topmost
 * units) with their counts for one month or quarter, paged — a committee with two thousand
 * branches sends one page of them, and the api reads only that page's subtrees.
 */
@Injectable()
export class LedgerRollupService {
  constructor(
    private readonly store: LedgerStore,
    private readonly access: AccessService,
    private readonly ledger: LedgerService,
    @Inject(ENV) private readonly env: Env,
  ) {}

  /** The overdue board: the ledger's overdue page with each item's step and process by name. */
  async overdue(
    principal: Principal,
    request: RequestInfo,
    query: OverdueQueryDto,
  ): Promise<OverdueListDto> {
    const list = await this.ledger.overdue(principal, request, query);
    const names = await this.store.processNames(list.items.map((item) => item.id));
    return {
      ...list,
      items: list.items.map((item) => ({
        ...item,
        stepName: names.get(item.id)?.stepName ?? null,
        templateName: names.get(item.id)?.templateName ?? null,
      })),
    };
  }

  async units(
    principal: Principal,
    request: RequestInfo,
    query: UnitRollupQueryDto,
  ): Promise<UnitRollupDto> {
    const [period] = periodsBetween(query.period, query.month, query.month, this.env.TIME_ZONE);
    let level: { parentPath: string } | { rootPaths: string[] };
    if (query.parentId !== undefined) {
      level = {
        parentPath: await this.access.readableUnit(principal, request, query.parentId, 'parentId'),
      };
    } else {
      const paths = scopePaths(principal, ['secretary', 'supervisor']);
      const rootPaths = paths.filter(
        (path) => !paths.some((other) => other !== path && covers(other, path)),
      );
      if (rootPaths.length === 0) {
        await this.access.forbid(
          principal,
          request,
          'the ledger roll-up needs a secretary or supervisor role',
          '只有党组织书记或督导人员可以查看台账汇总',
        );
      }
      level = { rootPaths };
    }
    const page = { limit: query.pageSize, offset: (query.page - 1) * query.pageSize };
    const { parent, trail, rows, total } = await this.store.unitRollup(level, period, page);
    return {
      period: query.period,
      label: period.label,
      parent,
      // Only the units the caller reads: a branch secretary's trail starts at her branch
      trail: trail
        .filter((unit) => canReadUnit(principal, unit.path))
        .map(({ orgUnitId, orgUnitName }) => ({ orgUnitId, orgUnitName })),
      rows,
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}
