export enum LedgerExceptionCode {
  ITEM_NOT_FOUND = 'LEDGER_ITEM_NOT_FOUND',
  ATTACHMENT_NOT_FOUND = 'LEDGER_ATTACHMENT_NOT_FOUND',
  /** The item is not in a state the transition starts from (details carry the current state). */
  WRONG_STATE = 'LEDGER_WRONG_STATE',
  /** A submission with neither a note nor an attachment. */
  EVIDENCE_REQUIRED = 'LEDGER_EVIDENCE_REQUIRED',
  /** A rejection or reopening without a reason. */
  REASON_REQUIRED = 'LEDGER_REASON_REQUIRED',
  ATTACHMENT_TOO_LARGE = 'LEDGER_ATTACHMENT_TOO_LARGE',
  INVALID_INPUT = 'LEDGER_INVALID_INPUT',
}

/** A refusal of the ledger; the api maps the codes to HTTP statuses in one place. */
export class LedgerException extends Error {
  constructor(
    readonly code: LedgerExceptionCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'LedgerException';
  }
}
