import {
  OrgException,
  OrgExceptionCode,
  type Principal,
  canReadUnit,
  hasRoleOver,
  scopePaths,
} from '@app/org';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { AccessService } from '../auth/access.service.js';
import type { Caller } from '../auth/caller.decorator.js';
import type { HttpProblem } from '../common/http-problem.js';
import { invalidRequest } from '../common/validation.js';

/** Roles that see org units and members: the unit readers, and admins of the unit. */
export const ORG_READERS = ['secretary', 'supervisor', 'admin'] as const;

export function seesUnit(principal: Principal, path: string | null): boolean {
  return canReadUnit(principal, path) || hasRoleOver(principal, 'admin', path);
}

export function orgScopes(principal: Principal): string[] {
  return scopePaths(principal, ORG_READERS);
}

/**
 * A 400 naming `field`: what an unknown unit gets (and a unit outside the caller's scope). The
 * id the caller sent is not repeated: either answer is the same.
 */
export function noUnit(field: string, _id: string): HttpProblem {
  return invalidRequest([{ field, message: `${field}：未找到该党组织` }]);
}

/** The administration checks: out of scope is absent, 403 only where the caller sees it. */
@Injectable()
export class OrgAccess {
  constructor(readonly access: AccessService) {}

  /** Refuses unless the caller sees the unit at `path`: `absent()` (audited) otherwise. */
  async assertSees(caller: Caller, path: string | null, what: string, absent: () => Error) {
    if (seesUnit(caller.principal, path)) return;
    await this.access.conceal(caller.principal, caller, `${what} is outside your scope`, absent());
  }

  /**
   * Refuses unless the caller is an admin over the unit at `path`: 403 when it sees the unit,
   * else `absent()` (the refusal audited with the truth either way).
   */
  async assertAdmin(caller: Caller, path: string | null, what: string, absent: () => Error) {
    if (hasRoleOver(caller.principal, 'admin', path)) return;
    if (seesUnit(caller.principal, path)) {
      await this.access.forbid(
        caller.principal,
        caller,
        `${what} needs the role admin over it`,
        '只有该党组织或其上级党组织的组织管理员可以执行此操作',
      );
    }
    await this.access.conceal(caller.principal, caller, `${what} is outside your scope`, absent());
  }
}

const STATUS: Record<OrgExceptionCode, HttpStatus> = {
  [OrgExceptionCode.UNIT_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [OrgExceptionCode.MEMBER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [OrgExceptionCode.USER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [OrgExceptionCode.UNIT_EXISTS]: HttpStatus.CONFLICT,
  [OrgExceptionCode.MEMBER_EXISTS]: HttpStatus.CONFLICT,
  [OrgExceptionCode.PARTY_NUMBER_TAKEN]: HttpStatus.CONFLICT,
  [OrgExceptionCode.VERSION_CONFLICT]: HttpStatus.CONFLICT,
  [OrgExceptionCode.UNIT_CLOSED]: HttpStatus.CONFLICT,
  [OrgExceptionCode.UNIT_NOT_EMPTY]: HttpStatus.CONFLICT,
  [OrgExceptionCode.INVALID_MOVE]: HttpStatus.UNPROCESSABLE_ENTITY,
  [OrgExceptionCode.INVALID_UNIT]: HttpStatus.BAD_REQUEST,
  [OrgExceptionCode.INVALID_MEMBER]: HttpStatus.BAD_REQUEST,
  [OrgExceptionCode.INVALID_ROLE]: HttpStatus.BAD_REQUEST,
  [OrgExceptionCode.INVALID_STATUS]: HttpStatus.BAD_REQUEST,
};

/** Runs a repository write; its OrgException becomes the api's error with its `code`. */
export async function orgWrite<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof OrgException)) throw error;
    throw new HttpException(
      { message: error.message, code: error.code },
      STATUS[error.code] ?? HttpStatus.BAD_REQUEST,
    );
  }
}
