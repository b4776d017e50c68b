import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { type Caller, CurrentCaller } from '../auth/caller.decorator.js';
import { ApiErrors } from '../common/error-response.dto.js';
import { UuidParam } from '../common/uuid-param.js';
import {
  CreateMemberDto,
  ListMembersQueryDto,
  MemberDto,
  MemberListDto,
  MemberStatusDto,
  TransferMemberDto,
  UpdateMemberDto,
} from './dto/member.dto.js';
import { MembersService } from './members.service.js';

@ApiTags('org')
@ApiBearerAuth()
@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get()
  @ApiOperation({
    summary: 'Look up members of the units I read or administer',
    description:
      '`q`: a name prefix or a 党员编号; `orgUnitId`: its subtree (an unknown unit and one ' +
      'outside your scope: the same 400). Phone masked unless you are an admin of the unit.',
  })
  @ApiOkResponse({ type: MemberListDto })
  @ApiErrors(400, 401)
  list(@Query() query: ListMembersQueryDto, @CurrentCaller() caller: Caller) {
    return this.members.list(query, caller);
  }

  @Post()
  @ApiOperation({
    summary: 'Create a member (admin of the unit)',
    description:
      'The same name and birth date again in the unit (a double submit): 409 MEMBER_EXISTS; ' +
      'a 党员编号 already held: 409 PARTY_NUMBER_TAKEN.',
  })
  @ApiCreatedResponse({ type: MemberDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() body: CreateMemberDto, @CurrentCaller() caller: Caller) {
    return this.members.create(body, caller);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One member' })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(400, 401, 404)
  get(@UuidParam() id: string, @CurrentCaller() caller: Caller) {
    return this.members.get(id, caller);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit a member (admin; 409 VERSION_CONFLICT when stale)' })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@UuidParam() id: string, @Body() body: UpdateMemberDto, @CurrentCaller() caller: Caller) {
    return this.members.update(id, body, caller);
  }

  @Post(':id/transfer')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Transfer a member to another unit (组织关系转接; admin of both units)',
    description:
      'Audited once with both units and the reason; the `member` role of the member’s users ' +
      'moves from the old unit to the new one in the same transaction.',
  })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(400, 401, 403, 404, 409)
  transfer(
    @UuidParam() id: string,
    @Body() body: TransferMemberDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.members.transfer(id, body, caller);
  }

  @Post(':id/status')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Change a member’s status by hand (admin; reason required)',
    description: 'The processes own the normal path (activist → … → full); this is audited.',
  })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrors(400, 401, 403, 404, 409)
  setStatus(
    @UuidParam() id: string,
    @Body() body: MemberStatusDto,
    @CurrentCaller() caller: Caller,
  ) {
    return this.members.setStatus(id, body, caller);
  }
}
