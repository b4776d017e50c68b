import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
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
import { UuidParam } from '../common/uuid-param.js';
import { AccountsService } from './accounts.service.js';
import {
  CreateUserDto,
  CreatedUserDto,
  ListUsersQueryDto,
  RoleChangeDto,
  RoleRemoveQueryDto,
  UpdateUserDto,
  UserDto,
  UserListDto,
  VersionDto,
} from './dto/accounts.dto.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: 'Users of my subtree (admin)' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListUsersQueryDto, @CurrentCaller() caller: Caller): Promise<UserListDto> {
    return this.accounts.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user of my subtree (admin)' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404)
  get(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<UserDto> {
    return this.accounts.get(caller, id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user (admin): must change the password at the first log-in' })
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() body: CreateUserDto, @CurrentCaller() caller: Caller): Promise<CreatedUserDto> {
    return this.accounts.create(caller, body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a user (admin), naming the version read' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(
    @UuidParam() id: string,
    @Body() body: UpdateUserDto,
    @CurrentCaller() caller: Caller,
  ): Promise<UserDto> {
    return this.accounts.rename(caller, id, body.name, body.version);
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Disable a user (admin): their sessions and tokens end' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  disable(
    @UuidParam() id: string,
    @Body() body: VersionDto,
    @CurrentCaller() caller: Caller,
  ): Promise<UserDto> {
    return this.accounts.disable(caller, id, body.version);
  }

  @Post(':id/roles')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Give a role on a unit of my subtree (admin)' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  give(
    @UuidParam() id: string,
    @Body() body: RoleChangeDto,
    @CurrentCaller() caller: Caller,
  ): Promise<UserDto> {
    return this.accounts.grant(caller, id, body.role, body.orgUnitId, body.version, true);
  }

  @Delete(':id/roles')
  @ApiOperation({ summary: 'Take a role (admin): ?role=&orgUnitId=&version=' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 401, 403, 404, 409)
  take(
    @UuidParam() id: string,
    @Query() query: RoleRemoveQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<UserDto> {
    return this.accounts.grant(caller, id, query.role, query.orgUnitId, query.version, false);
  }
}
