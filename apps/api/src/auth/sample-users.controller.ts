import type { Env } from '@app/config';
import { AccountsRepository, ROLE_LABELS, type Role, type UserAccount } from '@app/org';
import { ENV } from '@app/runtime';
import { Controller, Get, Inject, NotFoundException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/error-response.dto.js';
import { Public } from './public.decorator.js';
import { SampleUserDto, SampleUsersDto } from './sample-users.dto.js';

const PATH = 'sample-users';
/** The log-in page lists the people a newcomer most likely wants first. */
const ROLE_ORDER: readonly Role[] = ['secretary', 'member', 'supervisor', 'integrator', 'admin'];

@ApiTags('auth')
@Controller('auth')
export class SampleUsersController {
  constructor(
    private readonly accounts: AccountsRepository,
    @Inject(ENV) private readonly env: Env,
  ) {}

  @Get(PATH)
  @Public()
  @ApiOperation({
    summary: 'Development only: the sample organisation’s log-ins (for the log-in page)',
    description:
      'The users who can still log in with the well-known development password (the sample ' +
      'organisation of `cli seed`): login name, name, role in Chinese, unit name. 404, as an ' +
      'unknown route, with NODE_ENV=production or when none is left (not seeded, passwords ' +
      'changed or revoked with `cli token revoke --well-known`).',
  })
  @ApiOkResponse({ type: SampleUsersDto })
  @ApiErrors(404)
  async list(): Promise<SampleUsersDto> {
    const users = this.env.NODE_ENV === 'production' ? [] : await this.accounts.wellKnownUsers();
    if (users.length === 0) throw new NotFoundException(`Cannot GET /api/auth/${PATH}`);
    return { items: [...users].sort(bySampleOrder).map(toSample) };
  }
}

/** The sort key: role (secretary first), then the unit's place in the tree, then login name. */
function sortKey(user: UserAccount): [number, string, string] {
  const first = user.grants[0];
  return [
    first ? ROLE_ORDER.indexOf(first.role) : ROLE_ORDER.length,
    first?.path ?? user.memberPath ?? '',
    user.loginName ?? '',
  ];
}

function bySampleOrder(a: UserAccount, b: UserAccount): number {
  const [rankA, pathA, loginA] = sortKey(a);
  const [rankB, pathB, loginB] = sortKey(b);
  return rankA - rankB || pathA.localeCompare(pathB) || loginA.localeCompare(loginB);
}

function toSample(user: UserAccount): SampleUserDto {
  const first = user.grants[0];
  const roles = [...new Set(user.grants.map((grant) => grant.role))];
  return {
    loginName: user.loginName ?? '',
    name: user.name,
    role: first?.role ?? 'member',
    roleName: roles.length > 0 ? roles.map((role) => ROLE_LABELS[role] ?? role).join('、') : '党员',
    orgUnitName: first?.orgUnitName ?? '',
  };
}
