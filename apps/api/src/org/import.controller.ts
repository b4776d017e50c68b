import { Controller, HttpCode, HttpStatus, Post, Query, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { ImportQueryDto, ImportResultDto } from './dto/import.dto.js';
import { ImportService } from './import.service.js';

@ApiTags('org')
@ApiBearerAuth()
@Controller('org')
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  @Post('import')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Import members from a roster (花名册, .xlsx or .csv; admin of the unit)',
    description:
      'The file is the body. Columns 姓名 性别 出生日期 入党日期 转正日期 人员类别 所在党组织 党员编号 ' +
      '联系电话 (see docs/import.md). Every row is checked first; any problem: 422 ' +
      'IMPORT_INVALID_ROWS with `details.errors` [{row, column, reason}] and nothing written. ' +
      'Members are matched by 党员编号, else 姓名 + 出生日期 in the unit; an unchanged row changes ' +
      'nothing; members missing from the roster are kept. `orgUnitId`: the subtree (default: ' +
      'the one unit you administer); a unit outside it is an unknown unit.',
  })
  @ApiConsumes('text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiErrors(400, 401, 403, 413, 415, 422)
  import(
    @Req() request: FastifyRequest,
    @Query() query: ImportQueryDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.imports.importRoster(request, query, caller);
  }
}
