/**
 * Reading a roster file (花名册) into cells: CSV (RFC 4180, UTF-8 with or without a BOM, or
 * GBK as Excel in China saves it) and xlsx (the first sheet only). Bounded: the file's bytes,
 * the rows, a cell's length, and for xlsx the uncompressed size the zip declares (a zip bomb is
 * refused before it is inflated). No I/O besides the bytes given.
 */
import { inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';

export type RosterCell = string | number | Date | null;

export interface RosterSheet {
  /** The header row's cells (row 1), trimmed. */
  readonly header: readonly string[];
  /** The data rows as the spreadsheet numbers them (the header is row 1); blank rows left out. */
  readonly rows: readonly { readonly row: number; readonly cells: readonly RosterCell[] }[];
}

export interface RosterLimits {
  /** Largest file, in bytes. */
  readonly maxBytes: number;
  /** Most data rows (the header not counted). */
  readonly maxRows: number;
}

/** Longest cell kept, in characters (a longer one is a row error, not a file error). */
export const ROSTER_MAX_CELL = 200;
/** An xlsx may inflate to at most this many times its own size (and 200 MB in all). */
const MAX_INFLATION = 40;
const MAX_INFLATED = 200 * 1024 * 1024;

export enum RosterFileProblem {
  TOO_LARGE = 'IMPORT_FILE_TOO_LARGE',
  TOO_MANY_ROWS = 'IMPORT_TOO_MANY_ROWS',
  UNREADABLE = 'IMPORT_FILE_UNREADABLE',
  ENCODING = 'IMPORT_FILE_ENCODING',
}

/** The file as a whole cannot be read (the api answers 400 / 413 with the code). */
export class RosterFileException extends Error {
  constructor(
    readonly code: RosterFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'RosterFileException';
  }
}

export type RosterFormat = 'xlsx' | 'csv';

/** xlsx when the bytes are a zip (PK\3\4), else CSV. */
export function rosterFormat(bytes: Uint8Array): RosterFormat {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3
    ? 'xlsx'
    : 'csv';
}

/** Reads either format (decided by the bytes, not the name). */
export async function readRoster(bytes: Buffer, limits: RosterLimits): Promise<RosterSheet> {
  if (bytes.length > limits.maxBytes) {
    throw new RosterFileException(
      RosterFileProblem.TOO_LARGE,
      `the roster is ${bytes.length} bytes, more than IMPORT_MAX_BYTES (${limits.maxBytes})`,
    );
  }
  return rosterFormat(bytes) === 'xlsx' ? readXlsx(bytes, limits) : readCsv(bytes, limits);
}

/**
 * The text of a CSV file: UTF-8 (a BOM dropped); a file that is not valid UTF-8 is decoded as
 * GBK (Excel's 「CSV」 in a Chinese Windows), and refused when it is not valid GBK either.
 */
export function decodeCsv(bytes: Uint8Array): string {
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    try {
      text = new TextDecoder('gbk', { fatal: true }).decode(bytes);
    } catch {
      text = null;
    }
  }
  // a NUL or a private-use character (what GBK's decoder makes of 0xFF) is no roster's text
  // eslint-disable-next-line no-control-regex -- the point is to refuse it
  if (text === null || /[\u0000\ue000-\uf8ff]/.test(text)) {
    throw new RosterFileException(
      RosterFileProblem.ENCODING,
      'the CSV file is neither UTF-8 nor GBK text: save it from Excel as 「CSV UTF-8(逗号分隔)」 or upload the .xlsx',
    );
  }
  return text;
}

/** RFC 4180: fields in double quotes may hold commas, line breaks and doubled quotes; CRLF or LF. */
export function parseCsv(text: string, maxRows: number): RosterSheet {
  const records: { row: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  // Excel numbers records, not lines: a quoted line break stays in its row
  let row = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(field);
    field = '';
    if (cells.some((cell) => cell.trim() !== '')) {
      if (records.length > maxRows) tooManyRows(maxRows);
      records.push({ row, cells });
    }
    cells = [];
    row += 1;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      cells.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      i += 1;
      continue;
    } else if (c === '\n') {
      endRecord();
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) {
    throw new RosterFileException(
      RosterFileProblem.UNREADABLE,
      `the CSV file ends inside a quoted field opened on row ${row}`,
    );
  }
  if (field !== '' || cells.length > 0) endRecord();
  const [header, ...rows] = records;
  return {
    header: (header?.row === 1 ? header.cells : []).map((cell) => cell.trim()),
    rows: header?.row === 1 ? rows : records,
  };
}

function readCsv(bytes: Buffer, limits: RosterLimits): RosterSheet {
  return parseCsv(decodeCsv(bytes), limits.maxRows);
}

function tooManyRows(maxRows: number): never {
  throw new RosterFileException(
    RosterFileProblem.TOO_MANY_ROWS,
    `the roster has more than IMPORT_MAX_ROWS (${maxRows}) rows: split it into several files`,
  );
}

/**
 * The uncompressed size a zip's central directory declares for all its entries; refused when
 * the zip cannot be read that far.
 */
export function zipInflatedSize(bytes: Buffer): number {
  const minEnd = Math.max(0, bytes.length - 22 - 0xffff);
  let end = -1;
  for (let at = bytes.length - 22; at >= minEnd; at -= 1) {
    if (bytes.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) unreadable('it is not a zip file (no end of central directory)');
  const entries = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  let total = 0;
  for (let n = 0; n < entries; n += 1) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) {
      unreadable('its zip directory is damaged');
    }
    total += bytes.readUInt32LE(at + 24);
    at +=
      46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return total;
}

/**
 * Inflates every entry of the zip, counting, and stops past `allowed` bytes in all: a zip that
 * lies about its sizes in the directory is refused too, before exceljs inflates it whole.
 */
export function inflatesWithin(bytes: Buffer, allowed: number): void {
  const end = bytes.lastIndexOf(END_OF_DIRECTORY);
  if (end < 0) unreadable('it is not a zip file (no end of central directory)');
  const entries = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  let total = 0;
  for (let n = 0; n < entries; n += 1) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) {
      unreadable('its zip directory is damaged');
    }
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const local = bytes.readUInt32LE(at + 42);
    at +=
      46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    if (local + 30 > bytes.length) unreadable('its zip entries are damaged');
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + compressed);
    if (method === 0) total += data.length;
    else if (method === 8) {
      try {
        total += inflateRawSync(data, { maxOutputLength: Math.max(1, allowed - total + 1) }).length;
      } catch (error) {
        // maxOutputLength exceeded (a RangeError, by name: jest runs specs in another realm)
        if ((error as Error).name === 'RangeError') total = allowed + 1;
        else unreadable('an entry does not inflate');
      }
    } else unreadable(`an entry uses compression method ${method}`);
    if (total > allowed) {
      throw new RosterFileException(
        RosterFileProblem.TOO_LARGE,
        `the workbook inflates to more than ${allowed} bytes (${MAX_INFLATION} times its size, at most ${MAX_INFLATED}): refused as a zip bomb`,
      );
    }
  }
}

const END_OF_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

function unreadable(why: string): never {
  throw new RosterFileException(
    RosterFileProblem.UNREADABLE,
    `the file cannot be read as an Excel workbook (.xlsx): ${why}`,
  );
}

async function readXlsx(bytes: Buffer, limits: RosterLimits): Promise<RosterSheet> {
  const inflated = zipInflatedSize(bytes);
  const allowed = Math.min(MAX_INFLATED, bytes.length * MAX_INFLATION);
  if (inflated > allowed) {
    throw new RosterFileException(
      RosterFileProblem.TOO_LARGE,
      `the workbook inflates to ${inflated} bytes, more than ${allowed} (${MAX_INFLATION} times its size, at most ${MAX_INFLATED}): refused as a zip bomb`,
    );
  }
  inflatesWithin(bytes, allowed);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (error) {
    unreadable(error instanceof Error ? error.message.slice(0, 200) : 'unknown error');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { header: [], rows: [] };
  let header: string[] = [];
  const rows: { row: number; cells: RosterCell[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: RosterCell[] = [];
    for (let col = 1; col <= row.cellCount; col += 1) cells.push(cellValue(row.getCell(col).value));
    if (number === 1) {
      header = cells.map((cell) => (cell === null ? '' : String(cell).trim()));
      return;
    }
    if (!cells.some((cell) => cell !== null && String(cell).trim() !== '')) return;
    if (rows.length >= limits.maxRows) tooManyRows(limits.maxRows);
    rows.push({ row: number, cells });
  });
  return { header, rows };
}

/** A cell's value as text, number or date (rich text joined, a formula's result). */
function cellValue(value: ExcelJS.CellValue): RosterCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('result' in value) return cellValue(value.result);
  if ('text' in value) return String(value.text);
  if ('error' in value) return String(value.error);
  return null;
}
