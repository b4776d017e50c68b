import { randomBytes } from 'node:crypto';
import type { Env } from '@app/config';
import {
  AccountsRepository,
  type MachineToken,
  MembersRepository,
  type Principal,
  type Role,
  type UserAccount,
  hashPassword,
  passwordProblem,
} from '@app/org';
import { CLOCK, DATA_SOURCE, ENV } from '@app/runtime';
import type { Clock } from '@app/store';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import { AccountCode, CodedProblem } from '../auth/coded-problem.js';
import { passwordProblemText } from '../common/messages.js';
import type {
  CreateUserDto,
  CreatedUserDto,
  IssuedTokenDto,
  TokenDto,
  TokenListDto,
  UserDto,
  UserListDto,
} from './dto/accounts.dto.js';

/**
 * What an admin (role `admin` on an org unit) does with the accounts of their subtree. A user
 * is in the subtree when a grant of theirs or their member's unit lies in it; any other user
 * (and their tokens) is absent: 404 as for an unknown id, the refusal audited with the truth.
 * A user seen but also holding roles outside the subtree is read-only (403). Every write is
 * audited, names the `version` it read (409 STALE_VERSION when stale) and has one effect when
 * submitted twice.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly access: AccessService,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENV) private readonly env: Env,
  ) {
    this.members = new MembersRepository(dataSource, clock);
  }

  private readonly members: MembersRepository;

  async list(
    caller: Caller,
    page: { page: number; pageSize: number; offset: number; orgUnitId?: string },
  ): Promise<UserListDto> {
    const scope = await this.scope(caller);
    const { items, total } = await this.accounts.users(
      scope,
      { offset: page.offset, limit: page.pageSize },
      page.orgUnitId,
    );
    return { items: items.map(userDto), total, page: page.page, pageSize: page.pageSize };
  }

  async get(caller: Caller, id: string): Promise<UserDto> {
    return userDto(await this.visible(caller, id));
  }

  async create(caller: Caller, input: CreateUserDto): Promise<CreatedUserDto> {
    const scope = await this.scope(caller);
    const problems: { field: string; message: string }[] = [];
    for (const [i, grant] of input.grants.entries()) {
      if (!(await this.inScope(scope, grant.orgUnitId))) {
        problems.push({
          field: `grants.${i}.orgUnitId`,
          message: `没有党组织「${grant.orgUnitId}」，或它不在您管理的范围内`,
        });
      }
    }
    if (input.memberId !== undefined && !(await this.memberInScope(scope, input.memberId))) {
      problems.push({
        field: 'memberId',
        message: '所选党员不存在，或不在您管理的范围内',
      });
    }
    if (input.grants.length === 0 && input.memberId === undefined) {
      problems.push({
        field: 'grants',
        message: '用户须在您管理的党组织中担任角色，或对应其中的一名党员',
      });
    }
    const generated = input.password === undefined ? randomBytes(12).toString('base64url') : null;
    const password = input.password ?? generated!;
    const weak = passwordProblem(password, input.loginName);
    if (weak !== null) {
      problems.push({ field: 'password', message: `初始密码${passwordProblemText(weak)}` });
    }
    if (problems.length > 0) {
      await this.conceal(
        caller,
        `create user '${input.loginName}': ${problems.map((p) => p.message).join('; ')}`,
        new CodedProblem(
          HttpStatus.BAD_REQUEST,
          AccountCode.INVALID_INPUT,
          `invalid request: ${problems.map((p) => p.field).join(', ')}`,
          problems,
        ),
      );
    }
    const hash = await hashPassword(password);
    const id = await this.dataSource.transaction(async (tx) => {
      if (input.memberId !== undefined && (await this.accounts.userOfMember(input.memberId, tx))) {
        throw new CodedProblem(
          HttpStatus.CONFLICT,
          AccountCode.MEMBER_HAS_USER,
          `member '${input.memberId}' has a user already`,
        );
      }
      const created = await this.accounts.insertUser(tx, {
        loginName: input.loginName,
        name: input.name.trim(),
        memberId: input.memberId ?? null,
        passwordHash: hash,
        mustChangePassword: true,
        grants: input.grants,
      });
      if (created === null) {
        // Refused by a unique index: the login name taken (as by a double submit), else the
        // member's user created meanwhile by someone else
        const taken = await this.accounts.userByLogin(input.loginName);
        if (taken === null && input.memberId !== undefined) {
          throw new CodedProblem(
            HttpStatus.CONFLICT,
            AccountCode.MEMBER_HAS_USER,
            `member '${input.memberId}' has a user already`,
          );
        }
        throw new CodedProblem(
          HttpStatus.CONFLICT,
          AccountCode.LOGIN_NAME_TAKEN,
          `the login name '${input.loginName}' is taken`,
        );
      }
      await this.accounts.audit(tx, 'org.user.created', caller.principal.userId, {
        userId: created,
        loginName: input.loginName,
        name: input.name.trim(),
        memberId: input.memberId ?? null,
        grants: input.grants.map((g) => ({ role: g.role, orgUnitId: g.orgUnitId })),
      });
      return created;
    });
    const user = (await this.accounts.user(id, null))!;
    return { ...userDto(user), ...(generated === null ? {} : { initialPassword: generated }) };
  }

  async rename(caller: Caller, id: string, name: string, version: number): Promise<UserDto> {
    return this.write(caller, id, version, 'rename', async (tx, user) => {
      await this.accounts.bump(tx, id, version, `, name = $4`, [name.trim()]);
      await this.accounts.audit(tx, 'org.user.updated', caller.principal.userId, {
        userId: id,
        from: user.name,
        name: name.trim(),
      });
    });
  }

  async disable(caller: Caller, id: string, version: number): Promise<UserDto> {
    return this.write(caller, id, version, 'disable', async (tx, user) => {
      if (user.disabled) {
        throw new CodedProblem(
          HttpStatus.CONFLICT,
          AccountCode.USER_DISABLED,
          `user '${id}' is disabled already`,
        );
      }
      await this.accounts.bump(tx, id, version);
      await this.accounts.disable(tx, id);
      await this.accounts.audit(tx, 'org.user.disabled', caller.principal.userId, { userId: id });
    });
  }

  async grant(
    caller: Caller,
    id: string,
    role: Role,
    orgUnitId: string,
    version: number,
    give: boolean,
  ): Promise<UserDto> {
    const scope = await this.scope(caller);
    if (!(await this.inScope(scope, orgUnitId))) {
      await this.conceal(
        caller,
        `org unit '${orgUnitId}' (orgUnitId) is outside your scope`,
        new CodedProblem(
          HttpStatus.BAD_REQUEST,
          AccountCode.INVALID_INPUT,
          'invalid request: orgUnitId',
          [{ field: 'orgUnitId', message: `no org unit '${orgUnitId}'` }],
        ),
      );
    }
    return this.write(
      caller,
      id,
      version,
      give ? 'give a role to' : 'take a role from',
      async (tx) => {
        const changed = give
          ? await this.accounts.grant(tx, id, role, orgUnitId)
          : await this.accounts.ungrant(tx, id, role, orgUnitId);
        if (!changed) return;
        await this.accounts.bump(tx, id, version);
        await this.accounts.audit(
          tx,
          give ? 'org.user.role_granted' : 'org.user.role_revoked',
          caller.principal.userId,
          {
            userId: id,
            role,
            orgUnitId,
          },
        );
      },
    );
  }

  async tokens(
    caller: Caller,
    query: { page: number; pageSize: number; offset: number; userId?: string; active?: string },
  ): Promise<TokenListDto> {
    const scope = await this.scope(caller);
    const { items, total } = await this.accounts.tokens(
      scope,
      { offset: query.offset, limit: query.pageSize },
      { userId: query.userId, active: query.active === 'true' },
    );
    return { items: items.map(tokenDto), total, page: query.page, pageSize: query.pageSize };
  }

  async issue(
    caller: Caller,
    userId: string,
    label: string,
    days: number,
  ): Promise<IssuedTokenDto> {
    if (days > this.env.TOKEN_MAX_DAYS) {
      throw new CodedProblem(
        HttpStatus.BAD_REQUEST,
        AccountCode.INVALID_INPUT,
        'invalid request: expiresInDays',
        [
          {
            field: 'expiresInDays',
            message: `a token lives at most ${this.env.TOKEN_MAX_DAYS} days (TOKEN_MAX_DAYS)`,
          },
        ],
      );
    }
    const user = await this.manageable(caller, userId, 'issue a token for');
    if (user.disabled) {
      throw new CodedProblem(
        HttpStatus.CONFLICT,
        AccountCode.USER_DISABLED,
        `user '${userId}' is disabled`,
      );
    }
    const issued = await this.dataSource.transaction(async (tx) => {
      const made = await this.accounts.issueToken(tx, {
        userId,
        label: label.trim(),
        expiresAt: this.clock.now() + days * 86_400_000,
      });
      if (made === null) {
        throw new CodedProblem(
          HttpStatus.CONFLICT,
          AccountCode.TOKEN_LABEL_TAKEN,
          `user '${userId}' has an active token labelled '${label.trim()}' already`,
        );
      }
      await this.accounts.audit(tx, 'org.token.issued', caller.principal.userId, {
        userId,
        tokenId: made.id,
        label: label.trim(),
        days,
      });
      return made;
    });
    const token = (await this.accounts.token(issued.id, null))!;
    return { ...tokenDto(token), token: issued.token };
  }

  async revoke(caller: Caller, tokenId: string): Promise<TokenDto> {
    const scope = await this.scope(caller);
    const token = await this.accounts.token(tokenId, scope);
    if (!token) {
      const exists = await this.accounts.token(tokenId, null);
      const absent = new CodedProblem(
        HttpStatus.NOT_FOUND,
        AccountCode.TOKEN_NOT_FOUND,
        `no token '${tokenId}'`,
      );
      if (!exists) throw absent;
      await this.conceal(caller, `token '${tokenId}' belongs to a user outside your scope`, absent);
    }
    await this.manageable(caller, token!.userId, 'revoke a token of');
    await this.dataSource.transaction(async (tx) => {
      if (await this.accounts.revokeToken(tx, tokenId)) {
        await this.accounts.audit(tx, 'org.token.revoked', caller.principal.userId, {
          tokenId,
          userId: token!.userId,
        });
      }
    });
    return tokenDto((await this.accounts.token(tokenId, null))!);
  }

  /** The caller's admin scope (paths); 403 without the role admin. */
  private async scope(caller: Caller): Promise<string[]> {
    await this.access.assertRole(caller, ['admin'], 'administering accounts');
    return adminPaths(caller.principal);
  }

  private async inScope(scope: readonly string[], orgUnitId: string): Promise<boolean> {
    const path = await this.access.unitPath(orgUnitId);
    return path !== null && scope.some((p) => path.startsWith(p));
  }

  private async memberInScope(scope: readonly string[], memberId: string): Promise<boolean> {
    const member = await this.members.find(memberId);
    return member !== null && scope.some((p) => member.unitPath.startsWith(p));
  }

  /** The user when in the caller's scope; else 404 as for an unknown id (audited). */
  private async visible(
    caller: Caller,
    id: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<UserAccount> {
    const scope = await this.scope(caller);
    const user = await this.accounts.user(id, scope, manager, lock);
    if (user) return user;
    const absent = new CodedProblem(
      HttpStatus.NOT_FOUND,
      AccountCode.USER_NOT_FOUND,
      `no user '${id}'`,
    );
    if (!(await this.accounts.user(id, null, manager))) throw absent;
    return this.conceal(caller, `user '${id}' is outside your scope`, absent);
  }

  /** The user when every grant and the member lie in the caller's scope; 403 when only seen. */
  private async manageable(
    caller: Caller,
    id: string,
    what: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<UserAccount> {
    const user = await this.visible(caller, id, manager, lock);
    const scope = adminPaths(caller.principal);
    const inside = (path: string) => scope.some((p) => path.startsWith(p));
    const outside = user.grants.filter((grant) => !inside(grant.path));
    if (outside.length > 0 || (user.memberPath !== null && !inside(user.memberPath))) {
      await this.access.forbid(
        caller.principal,
        caller,
        `you may not ${what} user '${id}': they hold roles or membership outside your subtree`,
        '该用户在您管理的党组织之外还有角色或党员身份，您不能执行此操作',
      );
    }
    return user;
  }

  private async write(
    caller: Caller,
    id: string,
    version: number,
    what: string,
    change: (tx: EntityManager, user: UserAccount) => Promise<void>,
  ): Promise<UserDto> {
    await this.dataSource.transaction(async (tx) => {
      const user = await this.manageable(caller, id, what, tx, true);
      if (user.version !== version) {
        throw new CodedProblem(
          HttpStatus.CONFLICT,
          AccountCode.STALE_VERSION,
          `user '${id}' changed since you read it (version ${version}, now ${user.version}): read it again`,
          [{ field: 'version', message: `is ${user.version} now` }],
        );
      }
      await change(tx, user);
    });
    return userDto((await this.accounts.user(id, null))!);
  }

  private conceal(caller: Caller, reason: string, absent: Error): Promise<never> {
    return this.access.conceal(caller.principal, caller, reason, absent);
  }
}

export function adminPaths(principal: Principal): string[] {
  return principal.grants.filter((grant) => grant.role === 'admin').map((grant) => grant.path);
}

function userDto(user: UserAccount): UserDto {
  return {
    id: user.id,
    loginName: user.loginName,
    name: user.name,
    memberId: user.memberId,
    disabled: user.disabled,
    mustChangePassword: user.mustChangePassword,
    grants: user.grants.map((g) => ({
      role: g.role,
      orgUnitId: g.orgUnitId,
      orgUnitName: g.orgUnitName,
    })),
    version: user.version,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function tokenDto(token: MachineToken): TokenDto {
  return { ...token };
}
