/**
 * Checking a roster (花名册) row by row before anything is written: every column of every row,
 * the units it names (within the importer's subtree only) and duplicates inside the file. Pure:
 * the units and today's date are given.
 */
import type { MemberGender } from '../members.repository.js';
import type { MemberStatus } from '../org.types.js';
import { ROSTER_MAX_CELL, type RosterSheet } from './roster-file.js';

/** The template's columns, by the header a roster has them under. */
export const ROSTER_COLUMNS = {
  name: '姓名',
  gender: '性别',
  birthDate: '出生日期',
  admissionDate: '入党日期',
  fullMemberDate: '转正日期',
  status: '人员类别',
  unit: '所在党组织',
  partyNumber: '党员编号',
  phone: '联系电话',
} as const;
type Column = keyof typeof ROSTER_COLUMNS;
const REQUIRED: readonly Column[] = ['name', 'status', 'unit'];

/** 人员类别 as rosters write it. 出党 / 停止党籍 / 开除党籍 / 退党 all end membership: cancelled. */
export const ROSTER_STATUSES: Readonly<Record<string, MemberStatus>> = {
  入党申请人: 'applicant',
  申请人: 'applicant',
  入党积极分子: 'activist',
  积极分子: 'activist',
  发展对象: 'candidate',
  预备党员: 'probationary',
  正式党员: 'full',
  出党: 'cancelled',
  停止党籍: 'cancelled',
  开除党籍: 'cancelled',
  退党: 'cancelled',
};
const GENDERS: Readonly<Record<string, MemberGender>> = { 男: 'male', 女: 'female' };

/** One thing wrong: the row as the spreadsheet shows it, the column by its header. */
export interface RosterError {
  readonly row: number;
  readonly column: string | null;
  readonly reason: string;
}

/** An open unit of the importer's subtree, with the names of its path from the subtree's top. */
export interface RosterUnit {
  readonly id: string;
  /** Names from the root of the tree down to the unit, e.g. ['集团公司党委', '研发中心党支部']. */
  readonly names: readonly string[];
}

/** A valid row, ready to be matched and written. */
export interface RosterMember {
  readonly row: number;
  readonly orgUnitId: string;
  readonly name: string;
  readonly gender: MemberGender | null;
  readonly birthDate: string | null;
  readonly admissionDate: string | null;
  readonly fullMemberDate: string | null;
  readonly status: MemberStatus;
  readonly partyNumber: string | null;
  readonly phone: string | null;
}

export interface RosterPlan {
  readonly members: readonly RosterMember[];
  /** The first `maxErrors` problems, in row order. */
  readonly errors: readonly RosterError[];
  readonly errorCount: number;
}

// eslint-disable-next-line no-control-regex -- the point is to refuse them
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const PHONE = /^\+?[0-9][0-9-]{2,30}$/;
const PARTY_NUMBER = /^[0-9A-Za-z-]{1,64}$/;
/** Excel's day 0 (1899-12-30, which absorbs its 1900 leap-year bug for dates after March 1900). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/**
 * Checks every row of `sheet`. `units`: the open units of the importer's subtree (a unit outside
 * it is as unknown as a missing one). `today`: YYYY-MM-DD (no date after it).
 */
export function planRoster(
  sheet: RosterSheet,
  units: readonly RosterUnit[],
  today: string,
  maxErrors = 1000,
): RosterPlan {
  const errors: RosterError[] = [];
  let errorCount = 0;
  const report = (row: number, column: Column | null, reason: string) => {
    errorCount += 1;
    if (errors.length < maxErrors)
      errors.push({ row, column: column && ROSTER_COLUMNS[column], reason });
  };
  const index = headerIndex(sheet.header, report);
  if (!index) return { members: [], errors, errorCount };
  if (sheet.rows.length === 0) report(2, null, 'the roster has no rows below its header');
  const findUnit = unitFinder(units);
  const members: RosterMember[] = [];
  const numbers = new Map<string, number>();
  const people = new Map<string, number>();
  for (const { row, cells } of sheet.rows) {
    const before = errorCount;
    const text = (column: Column): string | null => {
      const at = index[column];
      const cell = at === undefined ? null : (cells[at] ?? null);
      if (cell === null) return null;
      const value = (cell instanceof Date ? isoDate(cell) : String(cell)).trim();
      if (value === '') return null;
      if ([...value].length > ROSTER_MAX_CELL) {
        report(row, column, `longer than ${ROSTER_MAX_CELL} characters`);
        return null;
      }
      if (CONTROL.test(value)) {
        report(row, column, 'contains a control character');
        return null;
      }
      return value;
    };
    const required = (column: Column): string | null => {
      const value = text(column);
      if (value === null && errorCount === before) report(row, column, 'is empty');
      return value;
    };
    const date = (column: Column): string | null => {
      const at = index[column];
      const cell = at === undefined ? null : (cells[at] ?? null);
      if (typeof cell === 'number') return excelDate(cell, row, column, today, report);
      const value = text(column);
      return value === null ? null : parseDate(value, row, column, today, report);
    };
    const name = required('name');
    if (name !== null && [...name].length > 64) report(row, 'name', 'longer than 64 characters');
    const genderText = text('gender');
    const gender = genderText === null ? null : (GENDERS[genderText] ?? null);
    if (genderText !== null && gender === null) {
      report(row, 'gender', `'${genderText}' is neither 男 nor 女`);
    }
    const birthDate = date('birthDate');
    const admissionDate = date('admissionDate');
    const fullMemberDate = date('fullMemberDate');
    const dates = { birthDate, admissionDate, fullMemberDate };
    const order = (['birthDate', 'admissionDate', 'fullMemberDate'] as const).filter(
      (column) => dates[column] !== null,
    );
    for (let i = 1; i < order.length; i += 1) {
      const earlier = dates[order[i - 1]]!;
      const later = dates[order[i]]!;
      const strict = order[i - 1] === 'birthDate';
      if (strict ? later <= earlier : later < earlier) {
        report(
          row,
          order[i],
          `${later} is ${strict ? 'not after' : 'before'} ${ROSTER_COLUMNS[order[i - 1]]} ${earlier}`,
        );
      }
    }
    const statusText = required('status');
    const status = statusText === null ? null : (ROSTER_STATUSES[statusText] ?? null);
    if (statusText !== null && status === null) {
      report(
        row,
        'status',
        `'${statusText}' is not one of ${Object.keys(ROSTER_STATUSES).join('、')}`,
      );
    }
    const unitText = required('unit');
    let orgUnitId: string | null = null;
    if (unitText !== null) {
      const found = findUnit(unitText);
      if (found.length === 1) orgUnitId = found[0].id;
      else if (found.length === 0) report(row, 'unit', `unknown unit '${unitText}'`);
      else {
        report(
          row,
          'unit',
          `'${unitText}' names ${found.length} units: ${found
            .slice(0, 5)
            .map((unit) => unit.names.join('/'))
            .join('; ')}; write the path (上级/…/${unitText})`,
        );
      }
    }
    const partyNumber = text('partyNumber');
    if (partyNumber !== null && !PARTY_NUMBER.test(partyNumber)) {
      report(row, 'partyNumber', 'must be 1 to 64 letters, digits or -');
    }
    const phone = text('phone');
    if (phone !== null && !PHONE.test(phone)) {
      report(row, 'phone', 'must be digits, + and - only (3 to 32 characters)');
    }
    if (partyNumber !== null) {
      const first = numbers.get(partyNumber);
      if (first !== undefined) report(row, 'partyNumber', `the same 党员编号 as row ${first}`);
      else numbers.set(partyNumber, row);
    }
    if (name !== null && orgUnitId !== null) {
      const key = `${orgUnitId}\u0000${name}\u0000${birthDate ?? ''}`;
      const first = people.get(key);
      if (first !== undefined) {
        report(row, 'name', `the same person (姓名 and 出生日期 in one unit) as row ${first}`);
      } else people.set(key, row);
    }
    if (errorCount > before) continue;
    members.push({
      row,
      orgUnitId: orgUnitId!,
      name: name!,
      gender,
      birthDate,
      admissionDate,
      fullMemberDate,
      status: status!,
      partyNumber,
      phone,
    });
  }
  return { members, errors, errorCount };
}

function headerIndex(
  header: readonly string[],
  report: (row: number, column: Column | null, reason: string) => void,
): Partial<Record<Column, number>> | null {
  const index: Partial<Record<Column, number>> = {};
  const byHeader = new Map<string, Column>(
    Object.entries(ROSTER_COLUMNS).map(([key, label]) => [label, key as Column]),
  );
  header.forEach((label, at) => {
    const column = byHeader.get(label);
    if (column !== undefined && index[column] === undefined) index[column] = at;
  });
  const missing = REQUIRED.filter((column) => index[column] === undefined);
  if (missing.length === 0) return index;
  for (const column of missing) report(1, column, 'the header row lacks this column');
  return null;
}

/**
 * Finds the units a 所在党组织 cell names: a name, or a path of names separated by `/` (its last
 * names, e.g. 科技研发党总支/研发中心党支部, or the whole path from the top).
 */
function unitFinder(units: readonly RosterUnit[]): (text: string) => RosterUnit[] {
  const byName = new Map<string, RosterUnit[]>();
  for (const unit of units) {
    const name = unit.names.at(-1)!;
    byName.set(name, [...(byName.get(name) ?? []), unit]);
  }
  return (text) => {
    const parts = text
      .split(/[/／]/)
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const candidates = byName.get(parts.at(-1) ?? '') ?? [];
    return candidates.filter((unit) => {
      if (parts.length > unit.names.length) return false;
      const tail = unit.names.slice(unit.names.length - parts.length);
      return tail.every((name, i) => name === parts[i]);
    });
  };
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function excelDate(
  serial: number,
  row: number,
  column: Column,
  today: string,
  report: (row: number, column: Column, reason: string) => void,
): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2_958_465) {
    report(row, column, `${serial} is not a date`);
    return null;
  }
  return checkDate(
    isoDate(new Date(EXCEL_EPOCH + Math.floor(serial) * 86_400_000)),
    row,
    column,
    today,
    report,
  );
}

const DATE_FORMS = [
  /^(\d{4})-(\d{1,2})-(\d{1,2})$/,
  /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/,
  /^(\d{4})\.(\d{1,2})\.(\d{1,2})$/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日$/,
];

function parseDate(
  value: string,
  row: number,
  column: Column,
  today: string,
  report: (row: number, column: Column, reason: string) => void,
): string | null {
  // exceljs gives a date cell a Date, at UTC midnight; text may carry a time after a space
  const text = value.replace(/[T ]00:00(:00(\.000)?)?Z?$/, '');
  const match = DATE_FORMS.map((form) => form.exec(text)).find((found) => found !== null);
  if (!match) {
    report(row, column, `'${value}' is not a date (YYYY-MM-DD, YYYY/M/D or YYYY年M月D日)`);
    return null;
  }
  const [y, m, d] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    report(row, column, `'${value}' is not a day of the calendar`);
    return null;
  }
  return checkDate(isoDate(date), row, column, today, report);
}

function checkDate(
  iso: string,
  row: number,
  column: Column,
  today: string,
  report: (row: number, column: Column, reason: string) => void,
): string | null {
  if (iso > today) {
    report(row, column, `${iso} is in the future`);
    return null;
  }
  if (iso < '1900-01-01') {
    report(row, column, `${iso} is before 1900`);
    return null;
  }
  return iso;
}
