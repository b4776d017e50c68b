import { describe, expect, it } from '@jest/globals';
import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { errorBody } from './api-exception.filter.js';
import { NotBlank, apiValidationPipe } from './validation.js';

class QueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;

  @IsOptional()
  @IsIn(['due', '-due'])
  sort?: string;

  @IsOptional()
  @IsBoolean({ message: 'overdue must be true or false' })
  overdue?: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(5)
  @NotBlank('title')
  title?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  ids?: string[];
}

const metadata: ArgumentMetadata = { type: 'query', metatype: QueryDto };

/** What the api answers for `value` as a QueryDto: the error body of the refusal. */
async function refusal(value: Record<string, unknown>) {
  try {
    await apiValidationPipe().transform(value, metadata);
  } catch (error) {
    return errorBody(error, { method: 'GET', url: '/x' }, () => undefined);
  }
  throw new Error('accepted');
}

describe('the validation pipe', () => {
  it('names each refused field and why, in Chinese, with the limits the DTO gives', async () => {
    const body = await refusal({
      pageSize: '500',
      sort: 'up',
      overdue: 'maybe',
      title: '      ',
      ids: ['a', 'b', 'c'],
      extra: 1,
    });
    expect(body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION_FAILED',
      message:
        '请求内容有误：不接受字段 extra；pageSize 必须是 1 到 200 之间的整数；' +
        'sort 必须是以下之一：due、-due……（共 6 处）',
      details: [
        { field: 'extra', message: '不接受字段 extra' },
        { field: 'pageSize', message: 'pageSize 必须是 1 到 200 之间的整数' },
        { field: 'sort', message: 'sort 必须是以下之一：due、-due' },
        { field: 'overdue', message: 'overdue 必须是 true 或 false' },
        { field: 'title', message: 'title 最多 5 个字符；title 不能为空白' },
        { field: 'ids', message: 'ids 最多 2 项' },
      ],
    });
  });

  it('says a range once, whichever bound is crossed', async () => {
    expect((await refusal({ pageSize: '0' })).details).toEqual([
      { field: 'pageSize', message: 'pageSize 必须是 1 到 200 之间的整数' },
    ]);
    expect((await refusal({ pageSize: '1.5' })).details).toEqual([
      { field: 'pageSize', message: 'pageSize 必须是 1 到 200 之间的整数' },
    ]);
  });

  it('accepts what fits', async () => {
    await expect(
      apiValidationPipe().transform({ pageSize: '20', sort: 'due', title: 'ok' }, metadata),
    ).resolves.toEqual(expect.objectContaining({ pageSize: 20, sort: 'due', title: 'ok' }));
  });
});
