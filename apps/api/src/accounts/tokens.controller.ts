import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
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
  IssueTokenDto,
  IssuedTokenDto,
  ListTokensQueryDto,
  TokenDto,
  TokenListDto,
} from './dto/accounts.dto.js';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('tokens')
export class TokensController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({
    summary: 'Machine tokens of users of my subtree (admin); never the token itself',
  })
  @ApiOkResponse({ type: TokenListDto })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListTokensQueryDto, @CurrentCaller() caller: Caller): Promise<TokenListDto> {
    return this.accounts.tokens(caller, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Issue a machine token with an expiry (admin); the token is answered once',
  })
  @ApiCreatedResponse({ type: IssuedTokenDto })
  @ApiErrors(400, 401, 403, 404, 409)
  issue(@Body() body: IssueTokenDto, @CurrentCaller() caller: Caller): Promise<IssuedTokenDto> {
    return this.accounts.issue(caller, body.userId, body.label, body.expiresInDays);
  }

  @Post(':id/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke a machine token (admin; idempotent)' })
  @ApiOkResponse({ type: TokenDto })
  @ApiErrors(400, 401, 403, 404)
  revoke(@UuidParam() id: string, @CurrentCaller() caller: Caller): Promise<TokenDto> {
    return this.accounts.revoke(caller, id);
  }
}
