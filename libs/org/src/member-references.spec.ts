import { describe, expect, it } from '@jest/globals';
import { memberReferences } from './member-references.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('memberReferences', () => {
  it('given the declared member variables, then it names the ids each holds', () => {
    expect(
      memberReferences({
        memberId: A,
        memberIds: [A, B, A],
        attendance: [B],
        sponsors: [
          { name: 'x', memberId: A, fullMember: true },
          { name: 'y', memberId: B },
        ],
        contacts: [{ memberId: B }],
        other: [A],
      }),
    ).toEqual([
      { variable: 'memberId', ids: [A] },
      { variable: 'memberIds', ids: [A, B] },
      { variable: 'attendance', ids: [B] },
      { variable: 'sponsors', ids: [A, B], status: 'full' },
      { variable: 'contacts', ids: [B], status: 'full' },
    ]);
  });

  it('given text that is no member id, then it is named too (checked as an absent member)', () => {
    expect(memberReferences({ memberId: 'zhang', attendance: 'li' })).toEqual([
      { variable: 'memberId', ids: ['zhang'] },
      { variable: 'attendance', ids: ['li'] },
    ]);
  });

  it('given numbers, booleans, null or no member variable, then nothing is named', () => {
    expect(
      memberReferences({ attendance: 12, memberId: null, memberIds: [], sponsors: [{ n: 1 }] }),
    ).toEqual([]);
    expect(memberReferences({ summary: A })).toEqual([]);
  });
});
