export enum EngineExceptionCode {
  /** The command names a process ref the context does not know. */
  PROCESS_NOT_FOUND = 'PROCESS_NOT_FOUND',
  /** The process cannot be started the way asked (no such start event, no start event). */
  INVALID_START = 'INVALID_START',
  /** The instance has completed or been terminated. */
  INSTANCE_NOT_ACTIVE = 'INSTANCE_NOT_ACTIVE',
  /** No open task with that key (never existed, completed or cancelled). */
  TASK_NOT_FOUND = 'TASK_NOT_FOUND',
  INCIDENT_NOT_FOUND = 'INCIDENT_NOT_FOUND',
  SCOPE_NOT_FOUND = 'SCOPE_NOT_FOUND',
  /** The stored state has a schema version this engine does not read. */
  UNSUPPORTED_STATE = 'UNSUPPORTED_STATE',
  /** A variable value is not plain JSON. */
  INVALID_VARIABLES = 'INVALID_VARIABLES',
}

/** A command the engine refuses; the state is unchanged. */
export class EngineException extends Error {
  constructor(
    readonly code: EngineExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineException';
  }
}

/** Raised inside a step when an element cannot go on; becomes an incident on that element. */
export class IncidentError extends Error {}
