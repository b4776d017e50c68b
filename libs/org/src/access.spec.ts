import { describe, expect, it } from '@jest/globals';
import {
  approvingRole,
  canActOnTask,
  canReadUnit,
  covers,
  hasRoleOver,
  needsApprovalPath,
  scopePaths,
} from './access.js';
import type { Principal, RoleGrant } from './org.types.js';
import { generateToken, hashToken } from './tokens.js';

const COMMITTEE = '/committee/';
const GENERAL = '/committee/general-1/';
const RD = '/committee/general-1/branch-rd/';
const IT = '/committee/general-1/branch-it/';
const OTHER_GENERAL_BRANCH = '/committee/general-2/branch-x/';

const principal = (
  grants: Omit<RoleGrant, 'orgUnitId'>[],
  memberId: string | null = null,
): Principal => ({
  userId: 'u-1',
  name: 'someone',
  memberId,
  grants: grants.map((grant) => ({ ...grant, orgUnitId: grant.path.split('/').at(-2)! })),
});

const task = (partial: Partial<Parameters<typeof canActOnTask>[1]> = {}) => ({
  assignee: null,
  candidateGroups: [] as string[],
  candidateUsers: [] as string[],
  ...partial,
});

describe('access rules', () => {
  it('a grant covers its unit and everything below, nothing beside or above', () => {
    expect(covers(GENERAL, RD)).toBe(true);
    expect(covers(GENERAL, GENERAL)).toBe(true);
    expect(covers(GENERAL, COMMITTEE)).toBe(false);
    expect(covers(RD, IT)).toBe(false);
    expect(covers(RD, null)).toBe(false);
    // A path is a prefix only at a boundary: branch-r does not cover branch-rd
    expect(covers('/committee/general-1/branch-r/', RD)).toBe(false);
  });

  it('secretaries read their own branch; supervisors their subtree; members and integrators no unit', () => {
    expect(canReadUnit(principal([{ role: 'secretary', path: RD }]), RD)).toBe(true);
    expect(canReadUnit(principal([{ role: 'secretary', path: RD }]), IT)).toBe(false);
    expect(canReadUnit(principal([{ role: 'supervisor', path: GENERAL }]), IT)).toBe(true);
    expect(
      canReadUnit(principal([{ role: 'supervisor', path: GENERAL }]), OTHER_GENERAL_BRANCH),
    ).toBe(false);
    expect(canReadUnit(principal([{ role: 'member', path: RD }]), RD)).toBe(false);
    expect(canReadUnit(principal([{ role: 'integrator', path: COMMITTEE }]), RD)).toBe(false);
  });

  it('candidate groups are roles over the instance’s unit', () => {
    const secretaryRd = principal([{ role: 'secretary', path: RD }]);
    const supervisor = principal([{ role: 'supervisor', path: COMMITTEE }]);
    expect(canActOnTask(secretaryRd, task({ candidateGroups: ['secretary'] }), RD)).toBe(true);
    expect(canActOnTask(secretaryRd, task({ candidateGroups: ['secretary'] }), IT)).toBe(false);
    expect(canActOnTask(secretaryRd, task({ candidateGroups: ['supervisor'] }), RD)).toBe(false);
    expect(canActOnTask(supervisor, task({ candidateGroups: ['supervisor'] }), RD)).toBe(true);
    expect(canActOnTask(supervisor, task({ candidateGroups: ['unknown-group'] }), RD)).toBe(false);
    expect(hasRoleOver(supervisor, 'secretary', RD)).toBe(false);
  });

  it('supervisor@approving is a supervisor of the nearest unit holding approval authority', () => {
    const approving = task({ candidateGroups: ['supervisor@approving'] });
    const general = principal([{ role: 'supervisor', path: GENERAL }]);
    const committee = principal([{ role: 'supervisor', path: COMMITTEE }]);
    // the committee approves: the general branch's supervisor only reviews
    expect(canActOnTask(general, approving, RD, COMMITTEE)).toBe(false);
    expect(canActOnTask(committee, approving, RD, COMMITTEE)).toBe(true);
    // the general branch granted the authority: both hold the group
    expect(canActOnTask(general, approving, RD, GENERAL)).toBe(true);
    expect(canActOnTask(committee, approving, RD, GENERAL)).toBe(true);
    // no unit with the authority (or not looked up): nobody
    expect(canActOnTask(committee, approving, RD, null)).toBe(false);
    expect(canActOnTask(committee, approving, RD)).toBe(false);
    expect(needsApprovalPath(approving)).toBe(true);
    expect(needsApprovalPath(task({ candidateGroups: ['supervisor'] }))).toBe(false);
    expect(approvingRole('secretary@approving')).toBe('secretary');
    expect(approvingRole('nobody@approving')).toBeNull();
    expect(
      canActOnTask(committee, task({ candidateGroups: ['nobody@approving'] }), RD, COMMITTEE),
    ).toBe(false);
  });

  it('an assigned task: the assignee (user or member id), or the branch secretary on their behalf', () => {
    const member = principal([{ role: 'member', path: RD }], 'm-7');
    expect(canActOnTask(member, task({ assignee: 'm-7' }), RD)).toBe(true);
    expect(canActOnTask(member, task({ assignee: 'u-1' }), RD)).toBe(true);
    expect(canActOnTask(member, task({ assignee: 'm-8' }), RD)).toBe(false);
    expect(
      canActOnTask(principal([{ role: 'secretary', path: RD }]), task({ assignee: 'm-8' }), RD),
    ).toBe(true);
    expect(
      canActOnTask(principal([{ role: 'secretary', path: IT }]), task({ assignee: 'm-8' }), RD),
    ).toBe(false);
    expect(canActOnTask(member, task({ candidateUsers: ['m-7'] }), IT)).toBe(true);
  });

  it('a task naming nobody falls to whoever reads the unit', () => {
    expect(canActOnTask(principal([{ role: 'secretary', path: RD }]), task(), RD)).toBe(true);
    expect(canActOnTask(principal([{ role: 'member', path: RD }]), task(), RD)).toBe(false);
  });

  it('scope paths are the distinct grant paths of the roles asked for', () => {
    const p = principal([
      { role: 'secretary', path: RD },
      { role: 'supervisor', path: GENERAL },
      { role: 'secretary', path: RD },
    ]);
    expect(scopePaths(p, ['secretary', 'supervisor'])).toEqual([RD, GENERAL]);
    expect(scopePaths(p, ['member'])).toEqual([]);
  });

  it('tokens are random and stored as their sha256', () => {
    const a = generateToken();
    expect(a).toMatch(/^bf_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(a);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).toBe(hashToken(a));
  });
});
