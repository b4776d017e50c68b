import type { components } from '../../api/schema';

export type Unit = components['schemas']['OrgUnitDto'];
export type ListedUnit = components['schemas']['OrgUnitListItemDto'];
export type Member = components['schemas']['MemberDto'];
export type MemberStatus = Member['status'];
export type UnitKind = Unit['kind'];

export const KIND_NAMES: Record<UnitKind, string> = {
  committee: '党委',
  general_branch: '党总支',
  branch: '党支部',
  group: '党小组',
};

/** The kinds that may sit under a unit of `kind` (committee > general_branch > branch > group). */
export function childKinds(kind: UnitKind): UnitKind[] {
  const order: UnitKind[] = ['committee', 'general_branch', 'branch', 'group'];
  const at = order.indexOf(kind);
  return order.filter(
    (candidate, i) => i > at || (candidate === 'committee' && kind === 'committee'),
  );
}

export const STATUS_NAMES: Record<MemberStatus, string> = {
  applicant: '入党申请人',
  activist: '入党积极分子',
  candidate: '发展对象',
  probationary: '预备党员',
  full: '正式党员',
  cancelled: '已出党',
};

export const STATUS_COLORS: Record<MemberStatus, string> = {
  applicant: 'default',
  activist: 'blue',
  candidate: 'cyan',
  probationary: 'orange',
  full: 'red',
  cancelled: 'default',
};

export const STATUS_OPTIONS = (Object.keys(STATUS_NAMES) as MemberStatus[]).map((value) => ({
  value,
  label: STATUS_NAMES[value],
}));

export const GENDER_NAMES: Record<'male' | 'female', string> = { male: '男', female: '女' };

/** 入党纪念日 (political birthday): the admission date's month and day, 「3月15日」. */
export function politicalBirthday(admissionDate: string | null | undefined): string {
  const match = admissionDate ? /^\d{4}-(\d{2})-(\d{2})$/.exec(admissionDate) : null;
  return match ? `${Number(match[1])}月${Number(match[2])}日` : '—';
}

/** A stored date (YYYY-MM-DD) as people read it: 「1990/03/15」. */
export function dateWords(value: string | null | undefined): string {
  return value ? value.replaceAll('-', '/') : '—';
}

/** A unit as a picker shows it: its name, with its parent's to tell units of one name apart. */
export function unitLabel(unit: { name: string; parentName?: string | null }): string {
  return unit.parentName ? `${unit.name}（${unit.parentName}）` : unit.name;
}

/** The english reasons of a roster's rows (libs/org's planRoster) said in Chinese. */
const ROSTER_REASONS: readonly [RegExp, (...parts: string[]) => string][] = [
  [/^the roster has no rows below its header$/, () => '花名册的表头下面没有数据行'],
  [/^the header row lacks this column$/, () => '表头缺少此列'],
  [/^longer than (\d+) characters$/, (n) => `超过 ${n} 个字符`],
  [/^contains a control character$/, () => '含有控制字符'],
  [/^is empty$/, () => '不能为空'],
  [/^'(.*)' is neither 男 nor 女$/, (v) => `「${v}」应为“男”或“女”`],
  [/^(.*) is not after (\S+) (.*)$/, (v, col, d) => `${v} 应晚于${col}（${d}）`],
  [/^(.*) is before (\S+) (.*)$/, (v, col, d) => `${v} 早于${col}（${d}）`],
  [/^'(.*)' is not one of (.*)$/, (v, list) => `「${v}」不是以下之一：${list}`],
  [/^unknown unit '(.*)'$/, (v) => `找不到党组织「${v}」（或不在您管理的范围内）`],
  [
    /^'(.*)' names (\d+) units: .*$/,
    (v, n) => `「${v}」对应 ${n} 个党组织，请写出上级路径（上级/…/${v}）`,
  ],
  [/^must be 1 to 64 letters, digits or -$/, () => '应为 1 到 64 个字母、数字或 -'],
  [
    /^must be digits, \+ and - only \(3 to 32 characters\)$/,
    () => '只能包含数字、+ 和 -（3 到 32 个字符）',
  ],
  [/^the same 党员编号 as row (\d+)$/, (n) => `与第 ${n} 行的党员编号相同`],
  [
    /^the same person \(姓名 and 出生日期 in one unit\) as row (\d+)$/,
    (n) => `与第 ${n} 行是同一人（同一党组织内姓名和出生日期相同）`,
  ],
  [/^(.*) is not a date$/, (v) => `${v} 不是日期`],
  [
    /^'(.*)' is not a date \(.*\)$/,
    (v) => `「${v}」不是日期（应为 YYYY-MM-DD、YYYY/M/D 或 YYYY年M月D日）`,
  ],
  [/^'(.*)' is not a day of the calendar$/, (v) => `「${v}」不是有效的日期`],
  [/^(.*) is in the future$/, (v) => `${v} 晚于今天`],
  [/^(.*) is before 1900$/, (v) => `${v} 早于 1900 年`],
  [/^the unit was closed or removed$/, () => '该党组织已撤销'],
  [
    /^'(.*)' belongs to a member of another unit: .*$/,
    (v) => `党员编号「${v}」属于其他党组织的党员：请先办理组织关系转接再导入`,
  ],
  [
    /^a member of the unit with this 姓名 and 出生日期 has 党员编号 '(.*)'$/,
    (v) => `本组织已有同名同生日的党员，其党员编号为「${v}」`,
  ],
  [
    /^(\d+) members of the unit have this 姓名 and 出生日期: give the 党员编号$/,
    (n) => `本组织有 ${n} 名同名同生日的党员：请填写党员编号`,
  ],
  [/^the same member as row (\d+)$/, (n) => `与第 ${n} 行是同一名党员`],
];

const HAS_HAN_ONLY = /^[^a-zA-Z]*[\u4e00-\u9fff]/;

export function rosterReason(reason: string): string {
  for (const [pattern, say] of ROSTER_REASONS) {
    const match = pattern.exec(reason);
    if (match) return say(...match.slice(1));
  }
  return HAS_HAN_ONLY.test(reason) ? reason : `内容有误（${reason}）`;
}
