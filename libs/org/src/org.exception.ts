export enum OrgExceptionCode {
  UNIT_NOT_FOUND = 'UNIT_NOT_FOUND',
  UNIT_EXISTS = 'UNIT_EXISTS',
  INVALID_UNIT = 'INVALID_UNIT',
  MEMBER_NOT_FOUND = 'MEMBER_NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  INVALID_ROLE = 'INVALID_ROLE',
  INVALID_STATUS = 'INVALID_STATUS',
}

/** A refusal about the organisation (unknown unit, bad role, ...); the api maps the codes. */
export class OrgException extends Error {
  constructor(
    readonly code: OrgExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'OrgException';
  }
}
