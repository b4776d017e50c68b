import { describe, expect, it } from '@jest/globals';
import type { Principal } from '@app/org';
import { canReadItem, canRespond, canSupervise } from './ledger-access.js';

const principal = (
  grants: [Principal['grants'][number]['role'], string][],
  memberId: string | null = null,
): Principal => ({
  userId: 'u1',
  name: 'u1',
  memberId,
  grants: grants.map(([role, path]) => ({ role, orgUnitId: path.split('/').at(-2)!, path })),
});

const item = {
  unitPath: '/c/g/b1/',
  assessingPath: '/c/g/',
  taskAssignee: null,
};

describe('ledger access', () => {
  it('a branch secretary responds and reads, but does not supervise', () => {
    const secretary = principal([['secretary', '/c/g/b1/']]);
    expect([
      canReadItem(secretary, item),
      canRespond(secretary, item),
      canSupervise(secretary, item),
    ]).toEqual([true, true, false]);
  });

  it("another branch's secretary does nothing", () => {
    const other = principal([['secretary', '/c/g/b2/']]);
    expect([canReadItem(other, item), canRespond(other, item), canSupervise(other, item)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('a supervisor over the unit supervises and reads, but does not respond', () => {
    const supervisor = principal([['supervisor', '/c/']]);
    expect([
      canReadItem(supervisor, item),
      canRespond(supervisor, item),
      canSupervise(supervisor, item),
    ]).toEqual([true, false, true]);
  });

  it('the assessing unit supervises even when it is not above the unit', () => {
    const assessing = principal([['supervisor', '/c/org-dept/']]);
    expect(canSupervise(assessing, { unitPath: '/c/g/b1/', assessingPath: '/c/org-dept/' })).toBe(
      true,
    );
  });

  it("the task's assignee member reads and responds", () => {
    const member = principal([['member', '/c/g/b1/']], 'm-1');
    expect(canRespond(member, { ...item, taskAssignee: 'm-1' })).toBe(true);
    expect(canReadItem(member, { ...item, taskAssignee: 'm-1' })).toBe(true);
    expect(canReadItem(member, item)).toBe(false);
  });
});
