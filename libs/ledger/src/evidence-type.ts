import { fileTypeFromBuffer } from 'file-type';

/**
 * The media types evidence is served as when its bytes are one of them: photos, PDF, office
 * documents and video. Anything else — HTML, SVG, scripts, text, archives, macro-enabled office
 * files — is served as `application/octet-stream`, so a browser never renders it in the api's
 * origin.
 */
export const EVIDENCE_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/heic',
  'image/heif',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'video/mp4',
]);

/** Office 97–2003 files: their bytes only say "compound file"; the declared type says which. */
const COMPOUND_FILE_TYPES: ReadonlySet<string> = new Set([
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
]);

/**
 * The Content-Type evidence is kept and served with, decided by its bytes (sniffed with
 * file-type), never by what the uploader declared: the sniffed type when it is on the
 * allow-list, else `application/octet-stream`. The declared type only names which Office
 * 97–2003 format a compound file is.
 */
export async function evidenceType(content: Uint8Array, declared: string): Promise<string> {
  const sniffed = (await fileTypeFromBuffer(content))?.mime;
  if (sniffed !== undefined && EVIDENCE_TYPES.has(sniffed)) return sniffed;
  const named = declared.split(';')[0].trim().toLowerCase();
  if (sniffed === 'application/x-cfb' && COMPOUND_FILE_TYPES.has(named)) return named;
  return 'application/octet-stream';
}
