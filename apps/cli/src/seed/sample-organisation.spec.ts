import { describe, expect, it } from '@jest/globals';
import { DEV_TOKEN_PREFIX, SAMPLE_BRANCH_IDS, sampleOrganisation } from './sample-organisation.js';

describe('the sample organisation', () => {
  const sample = sampleOrganisation();

  it('given two builds, when compared, then they are the same (no clock, no randomness)', () => {
    expect(sampleOrganisation()).toEqual(sample);
  });

  it('has one committee, two general branches and six branches, three under each', () => {
    const kinds = sample.units.map((unit) => unit.kind);
    expect(kinds.filter((kind) => kind === 'committee')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'general_branch')).toHaveLength(2);
    expect(sample.units.filter((unit) => unit.kind === 'branch').map((unit) => unit.id)).toEqual(
      SAMPLE_BRANCH_IDS,
    );
    for (const general of ['general-1', 'general-2']) {
      expect(sample.units.filter((unit) => unit.parentId === general)).toHaveLength(3);
    }
  });

  it('has ten members per branch with unique Chinese names, mostly full members', () => {
    expect(sample.members).toHaveLength(60);
    for (const branch of SAMPLE_BRANCH_IDS) {
      expect(sample.members.filter((member) => member.orgUnitId === branch)).toHaveLength(10);
    }
    const names = sample.members.map((member) => member.name);
    expect(new Set(names).size).toBe(60);
    for (const name of names) expect(name).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
    const count = (status: string) => sample.members.filter((m) => m.status === status).length;
    expect(count('full')).toBe(42);
    expect(count('probationary')).toBe(6);
    expect(count('activist')).toBe(6);
    expect(count('applicant') + count('candidate')).toBe(6);
    expect(count('candidate')).toBeGreaterThan(0);
  });

  it('admits exactly the full and probationary members, in every month of the year, at 18 or older', () => {
    const admitted = sample.members.filter((member) => member.admissionDate !== null);
    expect(admitted.map((m) => m.status).sort()).toEqual(
      sample.members
        .filter((m) => m.status === 'full' || m.status === 'probationary')
        .map((m) => m.status)
        .sort(),
    );
    const months = new Set(admitted.map((m) => Number(m.admissionDate!.slice(5, 7))));
    expect([...months].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const member of admitted) {
      expect(Number.isNaN(Date.parse(member.admissionDate!))).toBe(false);
      expect(Number(member.admissionDate!.slice(0, 4))).toBeLessThanOrEqual(2026);
      const age = Number(member.admissionDate!.slice(0, 4)) - Number(member.birthDate.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(19);
    }
  });

  it('has a secretary per branch who is a member of it, supervisors, an integrator and member users, each with a dev token', () => {
    const byRef = new Map(sample.members.map((member) => [member.ref, member]));
    for (const branch of SAMPLE_BRANCH_IDS) {
      const secretaries = sample.users.filter((user) =>
        user.grants.some((g) => g.role === 'secretary' && g.orgUnitId === branch),
      );
      expect(secretaries).toHaveLength(1);
      expect(byRef.get(secretaries[0].memberRef!)?.orgUnitId).toBe(branch);
      expect(secretaries[0].token).toBe(`bf_dev_secretary_${branch}`);
    }
    const tokens = sample.users.map((user) => user.token);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) expect(token.startsWith(DEV_TOKEN_PREFIX)).toBe(true);
    expect(tokens).toEqual(
      expect.arrayContaining([
        'bf_dev_supervisor',
        'bf_dev_supervisor_general-1',
        'bf_dev_supervisor_general-2',
        'bf_dev_integrator',
        'bf_dev_member_branch-rd',
      ]),
    );
    const linked = sample.users.flatMap((user) => (user.memberRef ? [user.memberRef] : []));
    expect(new Set(linked).size).toBe(linked.length);
  });
});
