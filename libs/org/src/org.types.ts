/** The levels of the organisation tree, top down (党委 > 党总支 > 党支部 > 党小组). */
export const ORG_UNIT_KINDS = ['committee', 'general_branch', 'branch', 'group'] as const;
export type OrgUnitKind = (typeof ORG_UNIT_KINDS)[number];

/** A member's standing, in the order a member passes through it (`cancelled` ends it). */
export const MEMBER_STATUSES = [
  'applicant',
  'activist',
  'candidate',
  'probationary',
  'full',
  'cancelled',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Roles a user holds, each scoped to one org unit. */
export const ROLES = ['secretary', 'member', 'supervisor', 'integrator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface OrgUnit {
  readonly id: string;
  readonly parentId: string | null;
  readonly kind: OrgUnitKind;
  readonly name: string;
  /** Materialised path of ids, `/committee/general-1/branch-rd/`. */
  readonly path: string;
}

export interface Member {
  readonly id: string;
  readonly orgUnitId: string;
  readonly name: string;
  readonly status: MemberStatus;
  /** ISO dates (YYYY-MM-DD). */
  readonly birthDate: string | null;
  readonly admissionDate: string | null;
}

export interface RoleGrant {
  readonly role: Role;
  readonly orgUnitId: string;
  /** The path of `orgUnitId`: the grant covers every unit whose path starts with it. */
  readonly path: string;
}

/** Who is calling: a user and every role they hold. */
export interface Principal {
  readonly userId: string;
  readonly name: string;
  /** The member record this user is, if any (assignees may name members). */
  readonly memberId: string | null;
  readonly grants: readonly RoleGrant[];
}
