import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import {
  CreateOrgUnitDto,
  ListOrgUnitsQueryDto,
  MoveOrgUnitDto,
  MovedOrgUnitDto,
  OrgUnitDto,
  OrgUnitListDto,
  RenameOrgUnitDto,
  UnitIdParamPipe,
  VersionDto,
} from './dto/org-unit.dto.js';
import { OrgUnitsService } from './org-units.service.js';

@ApiTags('org')
@ApiBearerAuth()
@Controller('org-units')
export class OrgUnitsController {
  constructor(private readonly units: OrgUnitsService) {}

  @Get()
  @ApiOperation({ summary: 'Org units I read or administer, by path (parents first)' })
  @ApiOkResponse({ type: OrgUnitListDto })
  @ApiErrors(400, 401)
  list(@Query() query: ListOrgUnitsQueryDto, @CurrentCaller() caller: Caller) {
    return this.units.list(query, caller);
  }

  @Post()
  @ApiOperation({
    summary: 'Create an org unit under a parent I administer (admin)',
    description:
      'Kinds form a tree: committee > general_branch > branch > group; levels may be skipped, ' +
      'a committee may sit under a committee. The same id twice: 409 UNIT_EXISTS.',
  })
  @ApiCreatedResponse({ type: OrgUnitDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() body: CreateOrgUnitDto, @CurrentCaller() caller: Caller) {
    return this.units.create(body, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One org unit' })
  @ApiOkResponse({ type: OrgUnitDto })
  @ApiErrors(400, 401, 404)
  get(@Param('id', UnitIdParamPipe) id: string, @CurrentCaller() caller: Caller) {
    return this.units.get(id, caller);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename an org unit (admin; 409 VERSION_CONFLICT when stale)' })
  @ApiOkResponse({ type: OrgUnitDto })
  @ApiErrors(400, 401, 403, 404, 409)
  rename(
    @Param('id', UnitIdParamPipe) id: string,
    @Body() body: RenameOrgUnitDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.units.rename(id, body, caller);
  }

  @Post(':id/move')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Move an org unit and its subtree under another parent (admin of both)',
    description:
      'Every path of the subtree is rewritten in one transaction. Under its own subtree, or ' +
      'a kind that may not sit under the parent: 422 INVALID_MOVE; a closed parent: 409.',
  })
  @ApiOkResponse({ type: MovedOrgUnitDto })
  @ApiErrors(400, 401, 403, 404, 409, 422)
  move(
    @Param('id', UnitIdParamPipe) id: string,
    @Body() body: MoveOrgUnitDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.units.move(id, body, caller);
  }

  @Post(':id/close')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Close an org unit (admin)',
    description:
      '409 UNIT_NOT_EMPTY naming how many open units, members not cancelled and instances not ' +
      'ended remain in its subtree; a closed unit keeps its history and takes nothing new.',
  })
  @ApiOkResponse({ type: OrgUnitDto })
  @ApiErrors(400, 401, 403, 404, 409)
  close(
    @Param('id', UnitIdParamPipe) id: string,
    @Body() body: VersionDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.units.close(id, body.version, caller);
  }
}
