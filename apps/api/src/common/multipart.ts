import type { Multipart } from '@fastify/multipart';
import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import typeis from 'type-is';
import { withoutBadCharacters } from '../platform/input-guard.js';
import { HttpProblem } from './http-problem.js';
import { drainBody } from './read-body.js';

/** The bounds of one multipart request (each route states its own). */
export interface MultipartLimits {
  /** Most file parts; one more is refused (MULTIPART_TOO_MANY_FILES). */
  readonly maxFiles: number;
  /** Largest file part, in bytes (`fileTooLarge`). */
  readonly maxFileBytes: number;
  /** Most bytes of all file parts together (`fileTooLarge` with this limit). */
  readonly maxTotalBytes?: number;
  /** Most non-file fields (MULTIPART_TOO_MANY_FIELDS). */
  readonly maxFields: number;
  /** Largest value of a field, in bytes (MULTIPART_FIELD_TOO_LARGE). */
  readonly maxFieldBytes: number;
}

/** A file part, read whole. */
export interface UploadedFile {
  /** The form field it was sent in (`file`). */
  readonly fieldName: string;
  /** Its file name as sent (the last path segment), or null when it had none. */
  readonly fileName: string | null;
  /** The Content-Type the client declared for the part (never trusted for what it is). */
  readonly declaredType: string;
  readonly content: Buffer;
}

export interface MultipartBody {
  readonly files: readonly UploadedFile[];
  /** The text fields by name (a repeated field: its last value). */
  readonly fields: Readonly<Record<string, string>>;
}

/** Whether the request's body is `multipart/form-data` (by its Content-Type). */
export function isMultipart(request: FastifyRequest): boolean {
  return typeis(request.raw, ['multipart/form-data']) !== false;
}

/**
 * Reads a `multipart/form-data` body with @fastify/multipart (registered in app.factory.ts),
 * every part whole and within `limits`; nothing is kept from a body that breaks one. A refused
 * body is read to its end first, so the client gets the answer:
 *
 * - a file over `maxFileBytes` (or all files over `maxTotalBytes`): `fileTooLarge(limit)`;
 * - more files than `maxFiles`: 400 MULTIPART_TOO_MANY_FILES;
 * - more fields than `maxFields`: 400 MULTIPART_TOO_MANY_FIELDS;
 * - a field value over `maxFieldBytes`: 413 MULTIPART_FIELD_TOO_LARGE;
 * - no boundary, a truncated body, a malformed part: 400 MULTIPART_MALFORMED.
 *
 * The api's Fastify adapter reads bodies itself and leaves any other body unread on
 * `request.raw` (see ApiFastifyAdapter): Fastify's content-type parsing never runs, so the
 * plugin's parser never marks the request as multipart. The request is read through a view of
 * it that answers `isMultipart()` with what its Content-Type says.
 */
export async function readMultipart(
  request: FastifyRequest,
  limits: MultipartLimits,
  fileTooLarge: (maxBytes: number) => Error,
): Promise<MultipartBody> {
  if (!isMultipart(request) || !/;\s*boundary=/i.test(request.headers['content-type'] ?? '')) {
    await drainBody(request);
    throw malformed('Content-Type 须为带 boundary 的 multipart/form-data');
  }
  const view = Object.create(request, {
    isMultipart: { value: () => true },
  }) as FastifyRequest;
  const errors = request.server.multipartErrors;
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  let total = 0;
  try {
    const parts: AsyncIterable<Multipart> = view.parts({
      limits: {
        files: limits.maxFiles,
        fileSize: limits.maxFileBytes,
        fields: limits.maxFields,
        fieldSize: limits.maxFieldBytes,
        parts: limits.maxFiles + limits.maxFields,
      },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        total += content.length;
        if (limits.maxTotalBytes !== undefined && total > limits.maxTotalBytes) {
          throw fileTooLarge(limits.maxTotalBytes);
        }
        files.push({
          fieldName: part.fieldname,
          fileName: part.filename === '' || part.filename === undefined ? null : part.filename,
          declaredType: part.mimetype,
          content,
        });
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) throw fieldTooLarge(part, limits);
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    await drainBody(request);
    if (error instanceof errors.RequestFileTooLargeError) throw fileTooLarge(limits.maxFileBytes);
    if (error instanceof errors.FilesLimitError) {
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        `一次最多上传 ${limits.maxFiles} 个文件`,
        { maxFiles: limits.maxFiles },
        'MULTIPART_TOO_MANY_FILES',
      );
    }
    if (error instanceof errors.FieldsLimitError || error instanceof errors.PartsLimitError) {
      throw new HttpProblem(
        HttpStatus.BAD_REQUEST,
        `表单字段过多：最多 ${limits.maxFields} 个字段、${limits.maxFiles} 个文件`,
        { maxFields: limits.maxFields, maxFiles: limits.maxFiles },
        'MULTIPART_TOO_MANY_FIELDS',
      );
    }
    if (error instanceof HttpProblem) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === undefined || error instanceof errors.PrematureCloseError) {
      // busboy's own errors (no code): a truncated body, a part without headers, …
      throw malformed(withoutBadCharacters(String((error as Error).message ?? error)));
    }
    throw error;
  }
  return { files, fields };
}

/**
 * A file name a person sent, fit to keep and show: the last path segment, without control,
 * bidirectional-control or unpaired-surrogate characters, trimmed, at most 255 characters
 * (the extension kept); `fallback` when nothing is left. Chinese names stay as they are.
 */
export function cleanFileName(name: string | null, fallback: string): string {
  const segment = (name ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = withoutBadCharacters(segment.normalize('NFC'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\uFFFD]/g, '')
    .trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return fallback;
  const chars = [...cleaned];
  if (chars.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 ? [...cleaned.slice(dot)] : [];
  const keep = extension.length > 0 && extension.length <= 16 ? extension : [];
  return chars.slice(0, 255 - keep.length).join('') + keep.join('');
}

function malformed(reason: string): HttpProblem {
  return new HttpProblem(
    HttpStatus.BAD_REQUEST,
    `无法读取 multipart/form-data 请求体：${reason}`,
    undefined,
    'MULTIPART_MALFORMED',
  );
}

function fieldTooLarge(part: { fieldname: string }, limits: MultipartLimits): HttpProblem {
  return new HttpProblem(
    HttpStatus.PAYLOAD_TOO_LARGE,
    `表单字段 ${part.fieldname.slice(0, 60)} 过长：最多 ${limits.maxFieldBytes} 字节`,
    [{ field: part.fieldname.slice(0, 60), message: `最多 ${limits.maxFieldBytes} 字节` }],
    'MULTIPART_FIELD_TOO_LARGE',
  );
}
