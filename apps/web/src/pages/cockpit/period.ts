import { shanghaiDay } from '../../components/time';

export type PeriodKind = 'month' | 'quarter';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** This month in Asia/Shanghai as `YYYY-MM`. */
export function currentMonth(now: number): string {
  return shanghaiDay(now).slice(0, 7);
}

function index(month: string): number {
  const match = MONTH.exec(month);
  return match ? Number(match[1]) * 12 + Number(match[2]) - 1 : NaN;
}

function monthOf(i: number): string {
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** A `YYYY-MM` from the URL when it is one, else this month. */
export function validMonth(text: string | null, now: number): string {
  return text !== null && MONTH.test(text) ? text : currentMonth(now);
}

/** The first month of the quarter holding `month` (`2026-11` → `2026-10`). */
export function quarterStart(month: string): string {
  const i = index(month);
  return monthOf(i - (i % 3));
}

/** 「2026年12月」 or 「2026年第4季度」. */
export function periodLabel(kind: PeriodKind, month: string): string {
  const i = index(month);
  const year = Math.floor(i / 12);
  if (kind === 'quarter') return `${year}年第${Math.floor((i % 12) / 3) + 1}季度`;
  return `${year}年${(i % 12) + 1}月`;
}

/** The choices of the picker: the last 24 months or 8 quarters up to now, newest first. */
export function periodOptions(kind: PeriodKind, now: number): { value: string; label: string }[] {
  const last = index(currentMonth(now));
  const options: { value: string; label: string }[] = [];
  if (kind === 'month') {
    for (let i = last; i > last - 24; i -= 1) {
      options.push({ value: monthOf(i), label: periodLabel('month', monthOf(i)) });
    }
  } else {
    const first = last - (last % 3);
    for (let i = first; i > first - 24; i -= 3) {
      options.push({ value: monthOf(i), label: periodLabel('quarter', monthOf(i)) });
    }
  }
  return options;
}

/** 按时完成率 as a person reads it: 「83.3%」, 「—」 with nothing closed. */
export function rateText(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 1000) / 10}%`;
}

export const KIND_NAMES: Record<string, string> = {
  committee: '党委',
  general_branch: '党总支',
  branch: '党支部',
  group: '党小组',
};
