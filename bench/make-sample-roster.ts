/**
 * Writes the sample roster (花名册) of the seeded organisation (`cli seed`): samples/roster.xlsx
 * and samples/roster.csv (UTF-8 with a BOM, CRLF, as Excel's 「CSV UTF-8」 saves it). The rows are
 * made up and deterministic; `rosterRows(n)` also feeds bench/import.bench.ts.
 *   node --import @swc-node/register/esm-register bench/make-sample-roster.ts
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';

export const ROSTER_HEADER = [
  '姓名',
  '性别',
  '出生日期',
  '入党日期',
  '转正日期',
  '人员类别',
  '所在党组织',
  '党员编号',
  '联系电话',
] as const;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗';
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '霞',
  '平',
  '刚',
  '桂英',
  '建华',
  '志强',
];
const SEED_BRANCHES = [
  '集团公司党委/科技研发党总支/研发中心党支部',
  '信息技术党支部',
  '质量安全党支部',
  '生产运营党支部',
  '市场营销党支部',
  '机关综合党支部',
];

/** `count` made-up members over `units` (the seeded branches by default), the same every time. */
export function rosterRows(count: number, units: readonly string[] = SEED_BRANCHES): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < count; i += 1) {
    const born = 1960 + (i % 30);
    const month = 1 + (i % 12);
    const day = 1 + (i % 28);
    const full = i % 5 !== 0;
    const admitted = full ? born + 22 + (i % 10) : 2025;
    rows.push([
      `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]}${i >= SURNAMES.length * GIVEN.length ? String(Math.floor(i / (SURNAMES.length * GIVEN.length))) : ''}`,
      i % 3 === 0 ? '女' : '男',
      `${born}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      `${admitted}/${month}/${day}`,
      full ? `${admitted + 1}年${month}月${day}日` : '',
      full ? '正式党员' : '预备党员',
      units[i % units.length],
      `DY${String(100000 + i)}`,
      `139${String(10000000 + ((i * 7919) % 90000000)).padStart(8, '0')}`,
    ]);
  }
  return rows;
}

/** RFC 4180 text: quoted where needed, CRLF, with a UTF-8 BOM. */
export function rosterCsv(rows: readonly (readonly string[])[]): Buffer {
  const quote = (cell: string) =>
    /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
  const text = [ROSTER_HEADER, ...rows].map((row) => row.map(quote).join(',')).join('\r\n');
  return Buffer.from(`\uFEFF${text}\r\n`, 'utf8');
}

/** The first sheet 花名册; dates as Excel dates, the rest as text. */
export async function rosterXlsx(rows: readonly (readonly string[])[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = new Date(Date.UTC(2026, 0, 1));
  workbook.modified = workbook.created;
  const sheet = workbook.addWorksheet('花名册');
  sheet.addRow([...ROSTER_HEADER]);
  for (const row of rows) {
    const [name, gender, birth, ...rest] = row;
    const [y, m, d] = birth.split('-').map(Number);
    sheet.addRow([name, gender, new Date(Date.UTC(y, m - 1, d)), ...rest]);
  }
  sheet.getColumn(3).numFmt = 'yyyy-mm-dd';
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = rosterRows(24);
  await writeFile(new URL('../samples/roster.csv', import.meta.url), rosterCsv(rows));
  await writeFile(new URL('../samples/roster.xlsx', import.meta.url), await rosterXlsx(rows));
  process.stdout.write('wrote samples/roster.csv and samples/roster.xlsx\n');
}
