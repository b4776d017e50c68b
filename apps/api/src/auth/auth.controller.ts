import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../common/error-response.dto.js';
import { ChangePasswordDto, LoginDto, LoginResultDto, MeDto } from './auth.dto.js';
import type { SessionRequest } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { Public } from './public.decorator.js';
import { AllowPendingPassword } from './session-cookie.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Log in: opens a session (httpOnly SameSite=Strict cookie `bf_session` for browsers, the token in the answer for API clients)',
  })
  @ApiOkResponse({ type: LoginResultDto })
  @ApiErrors(400, 401, 429)
  login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResultDto> {
    return this.auth.login(body.loginName, body.password, request, reply);
  }

  @Post('logout')
  @AllowPendingPassword()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Log out: ends this session and clears the cookie' })
  @ApiErrors(400, 401, 403)
  logout(
    @Req() request: SessionRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    return this.auth.logout(request, reply);
  }

  @Get('me')
  @AllowPendingPassword()
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Who I am: name, grants with unit names, whether I must change my password',
  })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(401)
  me(@Req() request: SessionRequest): Promise<MeDto> {
    return this.auth.me(request);
  }

  @Post('password')
  @AllowPendingPassword()
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change my password (ends my other sessions)' })
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(400, 401, 403, 429)
  password(@Body() body: ChangePasswordDto, @Req() request: SessionRequest): Promise<MeDto> {
    return this.auth.changePassword(request, body.current, body.new);
  }
}
