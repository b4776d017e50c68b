/**
 * The sample organisation `cli seed` writes: one committee (集团公司党委), two general branches
 * (党总支), six branches (党支部, three under each), ten members per branch, and users with
 * fixed development tokens. Pure data, the same on every run: no clock, no randomness.
 */
import type { MemberStatus, NewUnit, Role } from '@app/org';

export interface SampleMember {
  /** Stable handle inside the sample (`branch-rd/1`), used to link users; not stored. */
  readonly ref: string;
  readonly orgUnitId: string;
  readonly name: string;
  readonly status: MemberStatus;
  readonly birthDate: string;
  /** The date the 支部大会 admitted them (political birthday); null before admission. */
  readonly admissionDate: string | null;
}

export interface SampleUser {
  readonly name: string;
  /** A SampleMember.ref, when the user is one of the members. */
  readonly memberRef: string | null;
  readonly grants: readonly { readonly role: Role; readonly orgUnitId: string }[];
  /** Fixed development token (documented in the README): never use these outside development. */
  readonly token: string;
  readonly label: string;
  /** Login name; the password is DEV_PASSWORD (well known, in the README). */
  readonly loginName: string;
}

export interface SampleOrganisation {
  readonly units: readonly NewUnit[];
  readonly members: readonly SampleMember[];
  readonly users: readonly SampleUser[];
}

/** Prefix of every development token the seed creates. */
export const DEV_TOKEN_PREFIX = 'bf_dev_';

/**
 * The password of every sample user (well known: it is in the README). The api refuses to start
 * with NODE_ENV=production while it (or a dev token) is valid: `cli token revoke --well-known`.
 */
export const DEV_PASSWORD = 'branchflow-dev';

const COMMITTEE = 'committee';

const GENERAL_BRANCHES = [
  { id: 'general-1', name: '科技研发党总支' },
  { id: 'general-2', name: '生产经营党总支' },
] as const;

const BRANCHES = [
  { id: 'branch-rd', parent: 'general-1', name: '研发中心党支部' },
  { id: 'branch-it', parent: 'general-1', name: '信息技术党支部' },
  { id: 'branch-quality', parent: 'general-1', name: '质量安全党支部' },
  { id: 'branch-production', parent: 'general-2', name: '生产运营党支部' },
  { id: 'branch-marketing', parent: 'general-2', name: '市场营销党支部' },
  { id: 'branch-office', parent: 'general-2', name: '机关综合党支部' },
] as const;

export const SAMPLE_BRANCH_IDS: readonly string[] = BRANCHES.map((branch) => branch.id);

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹'.split('');
const GIVEN_NAMES = [
  '建国',
  '秀英',
  '志强',
  '丽华',
  '海涛',
  '晓燕',
  '国栋',
  '红梅',
  '伟',
  '静',
  '磊',
  '婷婷',
  '俊杰',
  '雪梅',
  '文博',
  '慧敏',
  '振华',
  '春燕',
  '明辉',
  '佳怡',
  '宏伟',
  '淑珍',
  '子轩',
  '欣怡',
  '立新',
  '玉兰',
  '浩然',
  '思远',
  '德明',
  '梦瑶',
];

/** Members per branch, in this order of statuses. */
const STATUSES_PER_BRANCH: readonly MemberStatus[] = [
  'full',
  'full',
  'full',
  'full',
  'full',
  'full',
  'full',
  'probationary',
  'activist',
  'applicant',
];

/** Probationary members, one per branch: admitted within the year before the sample was written. */
const PROBATIONARY_ADMISSIONS = [
  '2025-12-18',
  '2026-02-26',
  '2026-04-16',
  '2026-06-25',
  '2026-07-09',
  '2026-09-17',
];

const pad = (n: number) => String(n).padStart(2, '0');

function sampleMembers(): SampleMember[] {
  const members: SampleMember[] = [];
  BRANCHES.forEach((branch, b) => {
    STATUSES_PER_BRANCH.forEach((listed, k) => {
      const i = b * STATUSES_PER_BRANCH.length + k;
      // Branches 1 and 4 have a 发展对象 where the others have an applicant.
      const status: MemberStatus = listed === 'applicant' && b % 3 === 0 ? 'candidate' : listed;
      // Unique: the surname repeats only 30 members later, when the given name has moved on.
      const name =
        SURNAMES[(i * 7) % SURNAMES.length] +
        GIVEN_NAMES[(i + Math.floor(i / GIVEN_NAMES.length)) % GIVEN_NAMES.length];
      const day = 1 + ((b * 11 + k * 7) % 28);
      let admissionDate: string | null = null;
      let birthYear: number;
      if (status === 'full') {
        // Seven full members per branch, admission months shifted by 7 per branch: 42 dates
        // over all twelve months (3 or 4 each), years 1988..2023.
        const year = 1988 + ((b * 13 + k * 5) % 36);
        const month = 1 + ((b * 7 + k) % 12);
        admissionDate = `${year}-${pad(month)}-${pad(day)}`;
        birthYear = year - (20 + ((b + k * 3) % 16));
      } else if (status === 'probationary') {
        admissionDate = PROBATIONARY_ADMISSIONS[b]!;
        birthYear = 1996 + b;
      } else {
        birthYear = 1997 + ((b + k) % 7);
      }
      const birthMonth = 1 + ((b * 5 + k * 3) % 12);
      members.push({
        ref: `${branch.id}/${k + 1}`,
        orgUnitId: branch.id,
        name,
        status,
        birthDate: `${birthYear}-${pad(birthMonth)}-${pad(1 + ((b * 3 + k * 11) % 28))}`,
        admissionDate,
      });
    });
  });
  return members;
}

function sampleUsers(members: readonly SampleMember[]): SampleUser[] {
  const nameOf = (ref: string) => members.find((member) => member.ref === ref)!.name;
  const users: SampleUser[] = [];
  // The secretary of each branch is its first (full) member.
  for (const branch of BRANCHES) {
    const ref = `${branch.id}/1`;
    users.push({
      name: nameOf(ref),
      memberRef: ref,
      grants: [{ role: 'secretary', orgUnitId: branch.id }],
      token: `${DEV_TOKEN_PREFIX}secretary_${branch.id}`,
      label: `dev: secretary of ${branch.id}`,
      loginName: `secretary.${branch.id}`,
    });
  }
  users.push({
    name: '集团党委组织部',
    memberRef: null,
    grants: [{ role: 'supervisor', orgUnitId: COMMITTEE }],
    token: `${DEV_TOKEN_PREFIX}supervisor`,
    label: 'dev: supervisor of the committee',
    loginName: 'supervisor',
  });
  for (const general of GENERAL_BRANCHES) {
    users.push({
      name: `${general.name}书记`,
      memberRef: null,
      grants: [{ role: 'supervisor', orgUnitId: general.id }],
      token: `${DEV_TOKEN_PREFIX}supervisor_${general.id}`,
      label: `dev: supervisor of ${general.id}`,
      loginName: `supervisor.${general.id}`,
    });
  }
  users.push({
    name: '流程模板管理员',
    memberRef: null,
    grants: [{ role: 'integrator', orgUnitId: COMMITTEE }],
    token: `${DEV_TOKEN_PREFIX}integrator`,
    label: 'dev: integrator',
    loginName: 'integrator',
  });
  users.push({
    name: '集团党委组织部管理员',
    memberRef: null,
    grants: [{ role: 'admin', orgUnitId: COMMITTEE }],
    token: `${DEV_TOKEN_PREFIX}admin_committee`,
    label: 'dev: admin of the committee',
    loginName: 'admin',
  });
  for (const ref of ['branch-rd/2', 'branch-production/2']) {
    const branchId = ref.slice(0, ref.indexOf('/'));
    users.push({
      name: nameOf(ref),
      memberRef: ref,
      grants: [{ role: 'member', orgUnitId: branchId }],
      token: `${DEV_TOKEN_PREFIX}member_${branchId}`,
      label: `dev: a member of ${branchId}`,
      loginName: `member.${branchId}`,
    });
  }
  return users;
}

export function sampleOrganisation(): SampleOrganisation {
  const units: NewUnit[] = [
    { id: COMMITTEE, parentId: null, kind: 'committee', name: '集团公司党委' },
    ...GENERAL_BRANCHES.map((general): NewUnit => ({
      id: general.id,
      parentId: COMMITTEE,
      kind: 'general_branch',
      name: general.name,
    })),
    ...BRANCHES.map((branch): NewUnit => ({
      id: branch.id,
      parentId: branch.parent,
      kind: 'branch',
      name: branch.name,
    })),
  ];
  const members = sampleMembers();
  return { units, members, users: sampleUsers(members) };
}
