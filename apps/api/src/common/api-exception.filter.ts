import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { LedgerException } from '@app/ledger';
import { RuntimeException } from '@app/store';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ErrorBody } from './http-problem.js';
import { GenericCode, genericCodeOf, isChinese, messageFor, problemsSummary } from './messages.js';
import { httpStatusOf, ledgerStatusOf } from './runtime-status.js';

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
}

/** Logs what must not reach the client (a 500's cause), under the error id it names. */
export type ErrorLog = (errorId: string, request: RequestLike, exception: unknown) => void;

/**
 * Turns anything thrown into `{ statusCode, error, message, code, details? }`: runtime
 * refusals by their code, HTTP errors (validation, unknown route, malformed JSON, too large)
 * with their status, and everything else into a 500 with a generic message and an error id;
 * the cause goes to the log only, never a stack trace to the client. Every body has a `code`
 * (an error without its own gets its status's generic one: VALIDATION_FAILED, NOT_FOUND, …)
 * and a `message` in Chinese (messages.ts: a thrown message without Chinese in it is answered
 * with the catalogue's sentence for the code).
 */
export function errorBody(exception: unknown, request: RequestLike, log: ErrorLog): ErrorBody {
  if (exception instanceof RuntimeException || exception instanceof LedgerException) {
    const statusCode =
      exception instanceof RuntimeException
        ? httpStatusOf(exception.code)
        : ledgerStatusOf(exception.code);
    return {
      statusCode,
      error: reason(statusCode),
      message: chinese(exception.message, exception.code, statusCode, exception.details),
      code: exception.code,
      ...(exception.details === undefined ? {} : { details: exception.details }),
    };
  }
  if (exception instanceof HttpException && exception.getStatus() < 500) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const fields = typeof response === 'object' ? (response as Record<string, unknown>) : {};
    const details = fields.details;
    let code: string = typeof fields.code === 'string' ? fields.code : genericCodeOf(statusCode);
    if (isParseFailure(exception.cause)) code = GenericCode.MALFORMED_JSON;
    else if (code === String(GenericCode.BAD_REQUEST) && hasFieldProblems(details)) {
      code = GenericCode.VALIDATION_FAILED;
    }
    const thrown =
      (typeof response === 'string' ? response : messageOf(fields.message)) ?? exception.message;
    return {
      statusCode,
      error: reason(statusCode),
      message: chinese(thrown, code, statusCode, details),
      code,
      ...(details === undefined ? {} : { details }),
    };
  }
  const statusCode =
    exception instanceof HttpException && exception.getStatus() === 503
      ? HttpStatus.SERVICE_UNAVAILABLE
      : HttpStatus.INTERNAL_SERVER_ERROR;
  if (statusCode === HttpStatus.SERVICE_UNAVAILABLE) {
    const response = (exception as HttpException).getResponse();
    const fields = typeof response === 'object' ? (response as Record<string, unknown>) : {};
    const thrown = typeof response === 'string' ? response : messageOf(fields.message);
    return {
      statusCode,
      error: reason(statusCode),
      message: chinese(thrown ?? '', GenericCode.SERVICE_UNAVAILABLE, statusCode, undefined),
      code: typeof fields.code === 'string' ? fields.code : GenericCode.SERVICE_UNAVAILABLE,
      ...(fields.details === undefined ? {} : { details: fields.details }),
    };
  }
  const errorId = randomUUID();
  log(errorId, request, exception);
  return {
    statusCode,
    error: reason(statusCode),
    message: `${messageFor(GenericCode.INTERNAL)}（错误编号 ${errorId}）`,
    code: GenericCode.INTERNAL,
    errorId,
  };
}

/** Nest's and Fastify's own wording: nothing a person learns from. */
const GENERIC_REASONS =
  /^(Bad Request|Conflict|Payload Too Large|Unprocessable Entity|Http)( Exception)?$|^invalid request\b|^Unexpected\b|^request entity too large$/i;

/** Statuses whose English reason is kept after the Chinese sentence: what to correct. */
const REASON_KEPT = new Set([400, 409, 413, 422]);

/**
 * The message a person reads: the thrown one when it is Chinese, else the catalogue's
 * sentence for the code, followed by the field problems' Chinese messages when there are any,
 * or (for a refusal of the input or the state: 400, 409, 413, 422) the library's own reason
 * in brackets, until its throw site says it in Chinese. A 401, 403, 404 or 429 gets the
 * sentence alone.
 */
function chinese(thrown: string, code: string, status: number, details: unknown): string {
  if (isChinese(thrown)) return thrown;
  if (!hasFieldProblems(details)) {
    const reason = thrown.trim().slice(0, 300);
    return REASON_KEPT.has(status) && reason !== '' && !GENERIC_REASONS.test(reason)
      ? `${messageFor(code, status)}（${reason}）`
      : messageFor(code, status);
  }
  // Chinese field messages name their field; for the others, the field's path is named
  const problems = details.map((detail) =>
    isChinese(detail.message) ? detail : { message: `字段 ${detail.field} 有误` },
  );
  return problemsSummary(messageFor(code, status), problems);
}

function hasFieldProblems(details: unknown): details is { field: string; message: string }[] {
  return (
    Array.isArray(details) &&
    details.length > 0 &&
    details.every(
      (detail: unknown) =>
        typeof (detail as { field?: unknown } | null)?.field === 'string' &&
        typeof (detail as { message?: unknown }).message === 'string',
    )
  );
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<RequestLike>();
    const response = http.getResponse<unknown>();
    const { httpAdapter } = this.adapterHost;
    const body = errorBody(exception, request, (errorId, req, error) =>
      this.logger.error(
        `error ${errorId} on ${req.method ?? '?'} ${req.url ?? '?'}: ${describe(error)}`,
        error instanceof Error ? error.stack : undefined,
      ),
    );
    if (httpAdapter.isHeadersSent(response)) {
      this.logger.warn(`error after the response was sent: ${body.message}`);
      httpAdapter.end(response);
      return;
    }
    httpAdapter.reply(response, body, body.statusCode);
  }
}

function reason(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join('; ');
  return undefined;
}

function isParseFailure(cause: unknown): boolean {
  return (cause as { type?: unknown } | undefined)?.type === 'entity.parse.failed';
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
