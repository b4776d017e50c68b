import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import {
  RosterFileProblem,
  decodeCsv,
  inflatesWithin,
  parseCsv,
  readRoster,
  zipInflatedSize,
} from './roster-file.js';
import { planRoster } from './roster-plan.js';

const limits = { maxBytes: 1_000_000, maxRows: 100 };

describe('roster CSV (RFC 4180)', () => {
  it('reads quotes, doubled quotes, commas and line breaks inside quotes, CRLF and a BOM; rows numbered as Excel shows them', () => {
    const text = decodeCsv(
      Buffer.from('\uFEFF姓名,备注\r\n"王,五","他说""好""\r\n第二行"\r\n\r\n李四,x\r\n'),
    );
    expect(parseCsv(text, 10)).toEqual({
      header: ['姓名', '备注'],
      rows: [
        { row: 2, cells: ['王,五', '他说"好"\r\n第二行'] },
        { row: 4, cells: ['李四', 'x'] },
      ],
    });
  });

  it('decodes GBK when the bytes are not UTF-8, and refuses what is neither', () => {
    expect(decodeCsv(Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]))).toBe('张三');
    expect(() => decodeCsv(Buffer.from([0xff, 0xff, 0xff]))).toThrow(/neither UTF-8 nor GBK/);
  });

  it('refuses an unclosed quote and more rows than allowed', () => {
    expect(() => parseCsv('a\n"b', 10)).toThrow(/ends inside a quoted field opened on row 2/);
    expect(() => parseCsv('h\n1\n2\n3\n', 2)).toThrow(/more than IMPORT_MAX_ROWS \(2\)/);
  });
});

describe('roster xlsx', () => {
  it('refuses a workbook whose zip declares more than it may inflate to (a zip bomb), before inflating it', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('花名册').addRow(['姓名']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const honest = zipInflatedSize(bytes);
    expect(honest).toBeGreaterThan(0);
    // declare 1 GB for the first entry in the central directory
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const first = bytes.readUInt32LE(end + 16);
    bytes.writeUInt32LE(1_000_000_000, first + 24);
    expect(zipInflatedSize(bytes)).toBeGreaterThan(1_000_000_000);
    await expect(readRoster(bytes, limits)).rejects.toMatchObject({
      code: RosterFileProblem.TOO_LARGE,
      message: expect.stringContaining('zip bomb') as unknown,
    });
  });
});

describe('roster xlsx: a zip that lies about its sizes', () => {
  it('is refused while inflating, past the allowance', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('花名册');
    for (let i = 0; i < 3000; i += 1)
      sheet.addRow(['张三张三张三张三', '正式党员', '研发中心党支部']);
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    expect(() => inflatesWithin(bytes, bytes.length * 40)).not.toThrow();
    expect(() => inflatesWithin(bytes, 10_000)).toThrow(/refused as a zip bomb/);
  });
});

describe('planRoster', () => {
  const units = [
    { id: 'c', names: ['集团公司党委'] },
    { id: 'g1', names: ['集团公司党委', '科技研发党总支'] },
    { id: 'rd', names: ['集团公司党委', '科技研发党总支', '研发中心党支部'] },
    { id: 'g2', names: ['集团公司党委', '生产经营党总支'] },
    { id: 'rd2', names: ['集团公司党委', '生产经营党总支', '研发中心党支部'] },
  ];
  const sheet = (...units: string[]) => ({
    header: ['姓名', '人员类别', '所在党组织', '出生日期'],
    rows: units.map((unit, i) => ({ row: i + 2, cells: [`人${i}`, '正式党员', unit, 33000] })),
  });

  it('matches a unit by name or by the last names of its path; an ambiguous name names the candidates’ paths', () => {
    const plan = planRoster(
      sheet(
        '科技研发党总支/研发中心党支部',
        '集团公司党委/生产经营党总支/研发中心党支部',
        '研发中心党支部',
        '别的支部',
      ),
      units,
      '2026-03-02',
    );
    expect(plan.members.map((member) => [member.row, member.orgUnitId, member.birthDate])).toEqual([
      [2, 'rd', '1990-05-07'],
      [3, 'rd2', '1990-05-07'],
    ]);
    expect(plan.errors).toEqual([
      {
        row: 4,
        column: '所在党组织',
        reason:
          "'研发中心党支部' names 2 units: 集团公司党委/科技研发党总支/研发中心党支部; 集团公司党委/生产经营党总支/研发中心党支部; write the path (上级/…/研发中心党支部)",
      },
      { row: 5, column: '所在党组织', reason: "unknown unit '别的支部'" },
    ]);
  });

  it('answers at most maxErrors problems and their total', () => {
    const plan = planRoster(sheet('x', 'y', 'z'), units, '2026-03-02', 2);
    expect(plan.errors).toHaveLength(2);
    expect(plan.errorCount).toBe(3);
  });
});
