import { HttpException, type HttpStatus } from '@nestjs/common';

/** One thing wrong with a request, tied to the field (or element) it is about. */
export interface FieldProblem {
  /** Path of the offending field, e.g. `variables.score` or `pageSize`. */
  readonly field: string;
  readonly message: string;
}

/** The body of every error response. */
export interface ErrorBody {
  readonly statusCode: number;
  /** The HTTP reason phrase, e.g. `Conflict`. */
  readonly error: string;
  /** In Chinese, for a person (messages.ts). */
  readonly message: string;
  /** The stable code (e.g. `TASK_CLAIMED`, `VALIDATION_FAILED`; README, "Error codes"). */
  readonly code: string;
  readonly details?: unknown;
  /** Only on 500: quote it to find the logged details. */
  readonly errorId?: string;
}

/**
 * An HTTP error raised by the api itself, with an optional list of details and an optional
 * stable `code` (e.g. `CHANNEL_NOT_FOUND`); the exception filter turns it into the error body.
 */
export class HttpProblem extends HttpException {
  constructor(status: HttpStatus, message: string, details?: unknown, code?: string) {
    super(code === undefined ? { message, details } : { message, details, code }, status);
  }
}
