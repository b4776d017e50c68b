import { HttpException, type HttpStatus } from '@nestjs/common';

/** Stable codes of the accounts' and log-in's refusals (the web app maps them to words). */
export enum AccountCode {
  LOGIN_FAILED = 'LOGIN_FAILED',
  ACCOUNT_LOCKED = 'ACCOUNT_LOCKED',
  TOO_MANY_FAILURES = 'TOO_MANY_FAILURES',
  PASSWORD_CHANGE_REQUIRED = 'PASSWORD_CHANGE_REQUIRED',
  CSRF_HEADER_REQUIRED = 'CSRF_HEADER_REQUIRED',
  NOT_A_SESSION = 'NOT_A_SESSION',
  CURRENT_PASSWORD_WRONG = 'CURRENT_PASSWORD_WRONG',
  PASSWORD_REFUSED = 'PASSWORD_REFUSED',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  TOKEN_NOT_FOUND = 'TOKEN_NOT_FOUND',
  LOGIN_NAME_TAKEN = 'LOGIN_NAME_TAKEN',
  MEMBER_HAS_USER = 'MEMBER_HAS_USER',
  STALE_VERSION = 'STALE_VERSION',
  USER_DISABLED = 'USER_DISABLED',
  TOKEN_LABEL_TAKEN = 'TOKEN_LABEL_TAKEN',
  OUTSIDE_YOUR_SCOPE = 'OUTSIDE_YOUR_SCOPE',
  INVALID_INPUT = 'INVALID_INPUT',
}

/** An HTTP error with a stable `code` (and optional details), as the error body carries it. */
export class CodedProblem extends HttpException {
  constructor(status: HttpStatus, code: AccountCode, message: string, details?: unknown) {
    super({ message, code, details }, status);
  }
}
