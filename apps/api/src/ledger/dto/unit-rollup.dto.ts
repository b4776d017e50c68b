import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CappedPageDto, PageQueryDto } from '../../common/pagination.dto.js';
import { LedgerItemDto } from './ledger.dto.js';

const UNIT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** `GET /ledger/rollup/units`: one level of the cockpit's tree for one month or quarter. */
export class UnitRollupQueryDto extends PageQueryDto {
  @ApiProperty({ enum: ['month', 'quarter'] })
  @IsIn(['month', 'quarter'], { message: 'period 必须是 month（月度）或 quarter（季度）' })
  period!: 'month' | 'quarter';

  @ApiProperty({
    example: '2026-12',
    description: 'The month (YYYY-MM); with `period=quarter`, the quarter holding it.',
  })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month 必须是月份（YYYY-MM）' })
  month!: string;

  @ApiPropertyOptional({
    example: 'general-1',
    description:
      'The unit whose direct children are listed (each counting its whole subtree), paged. ' +
      'Default: the topmost units your secretary / supervisor roles cover. A unit outside ' +
      'your scope answers as an unknown one (400 naming `parentId`).',
  })
  @IsOptional()
  @Matches(UNIT_ID, { message: 'parentId 必须是党组织编号（小写字母、数字和 -）' })
  parentId?: string;
}

export class UnitRollupRowDto {
  @ApiProperty({ example: 'branch-rd' }) orgUnitId!: string;
  @ApiProperty({ example: '研发中心党支部' }) orgUnitName!: string;
  @ApiProperty({ enum: ['committee', 'general_branch', 'branch', 'group'] }) kind!: string;
  @ApiProperty({ description: 'Direct child units (0: only its items to drill into).' })
  childCount!: number;
  @ApiProperty({
    description:
      '总数: items on the ledger in the period (opened in it, open at its end or closed in it).',
  })
  total!: number;
  @ApiProperty({ description: 'Items opened (挂账) in the period.' }) opened!: number;
  @ApiProperty({ description: '未完成: opened before the period’s end and not closed then.' })
  openAtEnd!: number;
  @ApiProperty({ description: '逾期: of openAtEnd, those due (with the grace) before the end.' })
  overdueAtEnd!: number;
  @ApiProperty({ description: '督办: distinct items escalated in the period.' })
  escalated!: number;
  @ApiProperty({ description: '已销号: distinct items closed in the period.' }) closed!: number;
  @ApiProperty({ description: 'Of closed, those closed on a submission made by the due time.' })
  closedOnTime!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: '按时完成率 = closedOnTime / closed; null when closed is 0.',
  })
  onTimeRate!: number | null;
}

export class UnitRollupTrailDto {
  @ApiProperty({ example: 'general-1' }) orgUnitId!: string;
  @ApiProperty({ example: '科技研发党总支' }) orgUnitName!: string;
}

export class UnitRollupDto {
  @ApiProperty({ enum: ['month', 'quarter'] }) period!: 'month' | 'quarter';
  @ApiProperty({ example: '2026-12', description: '`YYYY-MM` or `YYYY-Qn`.' }) label!: string;
  @ApiProperty({
    type: UnitRollupRowDto,
    nullable: true,
    description: 'The parent unit’s own row (its whole subtree); null without `parentId`.',
  })
  parent!: UnitRollupRowDto | null;
  @ApiProperty({
    type: [UnitRollupTrailDto],
    description:
      'The parent and the units above it that you read, topmost first (a breadcrumb); empty without `parentId`.',
  })
  trail!: UnitRollupTrailDto[];
  @ApiProperty({ type: [UnitRollupRowDto], description: 'This page of the level, by name.' })
  rows!: UnitRollupRowDto[];
  @ApiProperty({ description: 'Units in the level (all pages).' }) total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
}

/** An item on the overdue board (逾期督办): the ledger item with its process by name. */
export class OverdueItemDto extends LedgerItemDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '确定主题和活动方案',
    description:
      'The step (user task) the item stands for, by name; null for an item opened by hand.',
  })
  stepName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '主题党日',
    description: 'The process template of its instance, by name; null for an item opened by hand.',
  })
  templateName!: string | null;
}

export class OverdueListDto extends CappedPageDto {
  @ApiProperty({ type: [OverdueItemDto] }) items!: OverdueItemDto[];
}
