import type { Principal } from '@app/org';
import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UnitRollupDto, UnitRollupQueryDto } from './dto/unit-rollup.dto.js';
import { LedgerRollupService } from './ledger-rollup.service.js';
import type { RequestInfo } from './ledger.service.js';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('ledger/rollup')
export class LedgerRollupController {
  constructor(private readonly rollup: LedgerRollupService) {}

  @Get('units')
  @ApiOperation({
    summary: 'One level of the supervisor’s cockpit (督导驾驶舱): a unit’s children with counts',
    description:
      'For one month or quarter: the direct children of `parentId` (default: your topmost ' +
      'units), by name, paged, each counting its whole subtree as `GET /ledger/rollup` does — ' +
      '总数 `total`, 未完成 `openAtEnd`, 逾期 `overdueAtEnd`, 督办 `escalated`, 已销号 `closed`, ' +
      '按时完成率 `onTimeRate` — with `childCount` for drilling down, and the parent’s own row.',
  })
  @ApiOkResponse({ type: UnitRollupDto })
  @ApiErrors(400, 401, 403)
  units(
    @CurrentPrincipal() principal: Principal,
    @Req() request: RequestInfo,
    @Query() query: UnitRollupQueryDto,
  ): Promise<UnitRollupDto> {
    return this.rollup.units(principal, request, query);
  }
}
