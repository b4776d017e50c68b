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
import { httpStatusOf, ledgerStatusOf } from './runtime-status.js';

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
}

/** Logs what must not reach the client (a 500's cause), under the error id it names. */
export type ErrorLog = (errorId: string, request: RequestLike, exception: unknown) => void;

/**
 * Turns anything thrown into `{ statusCode, error, message, code?, details? }`: runtime
 * refusals by their code, HTTP errors (validation, unknown route, malformed JSON, too large)
 * as they are, and everything else into a 500 with a generic message and an error id; the
 * cause goes to the log only, never a stack trace to the client.
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
      message: exception.message,
      code: exception.code,
      ...(exception.details === undefined ? {} : { details: exception.details }),
    };
  }
  if (exception instanceof HttpException && exception.getStatus() !== 500) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const fields = typeof response === 'object' ? (response as Record<string, unknown>) : {};
    let message = typeof response === 'string' ? response : messageOf(fields.message);
    message ??= exception.message;
    if (isParseFailure(exception.cause)) message = `malformed JSON in the request body: ${message}`;
    return {
      statusCode,
      error: reason(statusCode),
      message,
      ...(typeof fields.code === 'string' ? { code: fields.code } : {}),
      ...(fields.details === undefined ? {} : { details: fields.details }),
    };
  }
  const errorId = randomUUID();
  log(errorId, request, exception);
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: reason(HttpStatus.INTERNAL_SERVER_ERROR),
    message: `an unexpected error occurred; quote error id ${errorId} when reporting it`,
    errorId,
  };
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
