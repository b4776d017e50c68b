import { CursorError } from '@app/keyset';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { invalidRequest } from './validation.js';

export const MAX_PAGE_SIZE = 100;

/** The last page number taken (an int4; far past any list's end, and a safe OFFSET). */
export const MAX_PAGE = 2_147_483_647;

/** `page` (1-based, at most MAX_PAGE) and `pageSize` (at most 100) of a list query. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize: number = 20;

  get offset(): number {
    return (this.page - 1) * this.pageSize;
  }
}

/** How many rows a keyset list counts exactly (TASK_COUNT_CAP, BOARD_COUNT_CAP). */
const COUNT_CAP = '1,000';

/**
 * `page` / `pageSize` and a `cursor` of a keyset list (the task list, the overdue board): with
 * a cursor the page starts after it and `page` is ignored.
 */
export class CursorPageQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Continue after the last page: its `nextCursor` (same filters and order). Stable under ' +
      'concurrent writes — a row is never shown twice nor skipped for rows added or removed ' +
      'before it; `page` is then ignored. Without a cursor, `page` counts pages from the start ' +
      '(each page past the first reads the ones before it: prefer the cursor).',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  cursor?: string;

  /** Rows to skip: none after a cursor. */
  get keysetOffset(): number {
    return this.cursor === undefined ? this.offset : 0;
  }
}

/** The paging of a keyset list's answer: a capped count and the next page's cursor. */
export class CappedPageDto {
  @ApiProperty({
    description:
      `How many rows match, exact up to ${COUNT_CAP}; when more match it says ${COUNT_CAP} and ` +
      '`totalIsApproximate` is true (a lower bound: the list does not count further).',
  })
  total!: number;

  @ApiProperty({
    description: `True when more than ${COUNT_CAP} rows match: \`total\` is then capped.`,
  })
  totalIsApproximate!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page.',
  })
  nextCursor!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The page asked; null with a cursor.' })
  page!: number | null;

  @ApiProperty()
  pageSize!: number;
}

/** The paging fields of a keyset list's answer to `query`. */
export function cappedPage(
  query: CursorPageQueryDto,
  found: { readonly total: number; readonly capped: boolean; readonly nextCursor: string | null },
): CappedPageDto {
  return {
    total: found.total,
    totalIsApproximate: found.capped,
    nextCursor: found.nextCursor,
    page: query.cursor === undefined ? query.page : null,
    pageSize: query.pageSize,
  };
}

/** A list's refusal of a cursor it did not give out, as the 400 of the `cursor` field. */
export function refuseBadCursor(error: unknown): never {
  if (error instanceof CursorError) {
    throw invalidRequest([{ field: 'cursor', message: 'cursor 不是本列表给出的游标' }]);
  }
  throw error;
}
