export enum RuntimeExceptionCode {
  TEMPLATE_INVALID = 'TEMPLATE_INVALID',
  TEMPLATE_NOT_FOUND = 'TEMPLATE_NOT_FOUND',
  INSTANCE_NOT_FOUND = 'INSTANCE_NOT_FOUND',
  BULK_START_NOT_FOUND = 'BULK_START_NOT_FOUND',
  INSTANCE_NOT_ACTIVE = 'INSTANCE_NOT_ACTIVE',
  DUPLICATE_BUSINESS_KEY = 'DUPLICATE_BUSINESS_KEY',
  TASK_NOT_FOUND = 'TASK_NOT_FOUND',
  TASK_NOT_OPEN = 'TASK_NOT_OPEN',
  TASK_CLAIMED = 'TASK_CLAIMED',
  INVALID_VARIABLES = 'INVALID_VARIABLES',
  INVALID_COMMAND = 'INVALID_COMMAND',
}

/** A refusal of the durable runtime; the api maps each code to one HTTP status. */
export class RuntimeException extends Error {
  constructor(
    readonly code: RuntimeExceptionCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RuntimeException';
  }
}
