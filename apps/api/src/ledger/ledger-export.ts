import { LIGHT_LABELS, LIST_LABELS, STATE_LABELS } from '@app/ledger';
import { formatInstant } from '@app/time';
import ExcelJS from 'exceljs';
import type { LedgerItemDto } from './dto/ledger.dto.js';

/** The columns of both exports; the 四个明确 under their Chinese names. */
export const EXPORT_COLUMNS: readonly {
  header: string;
  width: number;
  value: (item: LedgerItemDto, zone: string) => string | number;
}[] = [
  { header: '编号', width: 38, value: (item) => item.id },
  { header: '清单', width: 10, value: (item) => LIST_LABELS[item.list] },
  { header: '事项', width: 36, value: (item) => item.title },
  { header: '工作标准', width: 48, value: (item) => item.standard ?? '' },
  { header: '责任单位', width: 20, value: (item) => item.orgUnitName ?? item.orgUnitId ?? '' },
  // by name (a person, or a role over the unit: 研发中心党支部 书记), never an id
  { header: '责任人', width: 16, value: (item) => item.responsibleName ?? '' },
  {
    header: '考核部门',
    width: 20,
    value: (item) => item.assessingUnitName ?? item.assessingUnitId ?? '',
  },
  { header: '完成时间', width: 18, value: (item, zone) => minute(item.dueAt, zone) },
  { header: '状态', width: 10, value: (item) => STATE_LABELS[item.state] },
  {
    header: '亮灯',
    width: 8,
    value: (item) => (item.light === null ? '' : LIGHT_LABELS[item.light]),
  },
  { header: '督办次数', width: 10, value: (item) => item.escalations },
  { header: '回头看次数', width: 10, value: (item) => item.reopened },
  { header: '来源', width: 8, value: (item) => (item.source === 'task' ? '流程' : '手工') },
  { header: '提交时间', width: 18, value: (item, zone) => minute(item.submittedAt, zone) },
  { header: '销号时间', width: 18, value: (item, zone) => minute(item.closedAt, zone) },
  { header: '创建时间', width: 18, value: (item, zone) => minute(item.createdAt, zone) },
];

/** `2026-03-02 09:00` in the zone, or '' for none. */
function minute(at: Date | null, zone: string): string {
  if (at === null) return '';
  const text = formatInstant(at.getTime(), zone);
  return `${text.slice(0, 10)} ${text.slice(11, 16)}`;
}

/**
 * RFC 4180 CSV in UTF-8 with a byte-order mark (so Excel opens the Chinese text correctly),
 * CRLF line ends. A cell starting with = + - @ (or a tab / CR) gets a leading apostrophe, so a
 * spreadsheet never runs it as a formula.
 */
export function ledgerCsv(items: readonly LedgerItemDto[], zone: string): Buffer {
  const lines = [EXPORT_COLUMNS.map((column) => csvCell(column.header))];
  for (const item of items) {
    lines.push(EXPORT_COLUMNS.map((column) => csvCell(column.value(item, zone))));
  }
  return Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(lines.map((cells) => cells.join(',')).join('\r\n') + '\r\n', 'utf8'),
  ]);
}

function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One worksheet 挂账销号台账 with a bold, frozen header row and an auto filter. */
export async function ledgerXlsx(items: readonly LedgerItemDto[], zone: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'branchflow';
  const sheet = workbook.addWorksheet('挂账销号台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = EXPORT_COLUMNS.map((column) => ({ header: column.header, width: column.width }));
  sheet.getRow(1).font = { bold: true };
  for (const item of items) sheet.addRow(EXPORT_COLUMNS.map((column) => column.value(item, zone)));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: EXPORT_COLUMNS.length } };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
