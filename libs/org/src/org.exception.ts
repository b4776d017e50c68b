export enum OrgExceptionCode {
  UNIT_NOT_FOUND = 'UNIT_NOT_FOUND',
  UNIT_EXISTS = 'UNIT_EXISTS',
  INVALID_UNIT = 'INVALID_UNIT',
  MEMBER_NOT_FOUND = 'MEMBER_NOT_FOUND',
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  INVALID_ROLE = 'INVALID_ROLE',
  INVALID_STATUS = 'INVALID_STATUS',
  /** Administration (issue 14): a write named a version that is no longer current. */
  VERSION_CONFLICT = 'VERSION_CONFLICT',
  UNIT_CLOSED = 'UNIT_CLOSED',
  UNIT_NOT_EMPTY = 'UNIT_NOT_EMPTY',
  INVALID_MOVE = 'INVALID_MOVE',
  INVALID_MEMBER = 'INVALID_MEMBER',
  MEMBER_EXISTS = 'MEMBER_EXISTS',
  PARTY_NUMBER_TAKEN = 'PARTY_NUMBER_TAKEN',
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
