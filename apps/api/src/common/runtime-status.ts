import { LedgerExceptionCode } from '@app/ledger';
import { RuntimeExceptionCode } from '@app/store';
import { HttpStatus } from '@nestjs/common';

/**
 * The one place that turns a runtime refusal into an HTTP status. Exhaustive: a new code does
 * not compile until it is mapped here.
 */
export function httpStatusOf(code: RuntimeExceptionCode): HttpStatus {
  switch (code) {
    case RuntimeExceptionCode.TEMPLATE_INVALID:
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case RuntimeExceptionCode.TEMPLATE_NOT_FOUND:
    case RuntimeExceptionCode.INSTANCE_NOT_FOUND:
    case RuntimeExceptionCode.BULK_START_NOT_FOUND:
    case RuntimeExceptionCode.TASK_NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case RuntimeExceptionCode.DUPLICATE_BUSINESS_KEY:
    case RuntimeExceptionCode.TASK_NOT_OPEN:
    case RuntimeExceptionCode.TASK_CLAIMED:
    case RuntimeExceptionCode.INSTANCE_NOT_ACTIVE:
      return HttpStatus.CONFLICT;
    case RuntimeExceptionCode.INVALID_VARIABLES:
    case RuntimeExceptionCode.INVALID_COMMAND:
      return HttpStatus.BAD_REQUEST;
  }
}

/** The ledger's refusals as HTTP statuses (exhaustive, like httpStatusOf). */
export function ledgerStatusOf(code: LedgerExceptionCode): HttpStatus {
  switch (code) {
    case LedgerExceptionCode.ITEM_NOT_FOUND:
    case LedgerExceptionCode.ATTACHMENT_NOT_FOUND:
      return HttpStatus.NOT_FOUND;
    case LedgerExceptionCode.WRONG_STATE:
      return HttpStatus.CONFLICT;
    case LedgerExceptionCode.EVIDENCE_REQUIRED:
    case LedgerExceptionCode.REASON_REQUIRED:
    case LedgerExceptionCode.INVALID_INPUT:
      return HttpStatus.BAD_REQUEST;
    case LedgerExceptionCode.ATTACHMENT_TOO_LARGE:
      return HttpStatus.PAYLOAD_TOO_LARGE;
  }
}
