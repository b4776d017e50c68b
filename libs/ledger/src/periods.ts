import { parseDateTime } from '@app/time';
import { LedgerException, LedgerExceptionCode } from './ledger.exception.js';

export type PeriodKind = 'month' | 'quarter';

export interface Period {
  /** `2026-03` or `2026-Q1`. */
  readonly label: string;
  /** Epoch ms, inclusive: 00:00 of the first day in the zone. */
  readonly start: number;
  /** Epoch ms, exclusive: 00:00 of the first day of the next period. */
  readonly end: number;
}

/** At most this many periods per roll-up (ten years of months). */
export const MAX_PERIODS = 120;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

function monthIndex(text: string, field: string): number {
  const match = MONTH.exec(text);
  if (!match) {
    throw new LedgerException(LedgerExceptionCode.INVALID_INPUT, `${field} 必须是月份（YYYY-MM）`, [
      { field, message: `${field} 必须是月份（YYYY-MM）` },
    ]);
  }
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

function monthStart(index: number, zone: string): number {
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return parseDateTime(
    `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`,
    zone,
  );
}

/**
 * The months or quarters from the one containing `from` to the one containing `to` (both
 * `YYYY-MM`), each from 00:00 on its first day in `zone` to 00:00 on the next period's.
 */
export function periodsBetween(kind: PeriodKind, from: string, to: string, zone: string): Period[] {
  let first = monthIndex(from, 'from');
  let last = monthIndex(to, 'to');
  if (last < first) {
    throw new LedgerException(
      LedgerExceptionCode.INVALID_INPUT,
      `结束月份（to）不能早于开始月份（from）`,
      [{ field: 'to', message: 'to 不能早于 from' }],
    );
  }
  const step = kind === 'month' ? 1 : 3;
  if (kind === 'quarter') {
    first -= first % 3;
    last -= last % 3;
  }
  const count = (last - first) / step + 1;
  if (count > MAX_PERIODS) {
    throw new LedgerException(
      LedgerExceptionCode.INVALID_INPUT,
      `一次汇总最多 ${MAX_PERIODS} 个周期，所选为 ${count} 个`,
      [{ field: 'from', message: `from 到 to 最多 ${MAX_PERIODS} 个周期` }],
    );
  }
  const periods: Period[] = [];
  for (let index = first; index <= last; index += step) {
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    periods.push({
      label:
        kind === 'month'
          ? `${year}-${String(month).padStart(2, '0')}`
          : `${year}-Q${Math.floor((month - 1) / 3) + 1}`,
      start: monthStart(index, zone),
      end: monthStart(index + step, zone),
    });
  }
  return periods;
}
