import type { JsonValue } from '@app/feel';

/** What a service-task handler gets: ids, the element, and the instance's root variables. */
export interface JobContext {
  readonly instanceId: string;
  /**
   * The instance's org unit: a handler that acts on org data (a member) acts only inside its
   * subtree (see MEMBER_REFERENCES in @app/org).
   */
  readonly orgUnitId: string | null;
  /** The task row's id; handlers with side effects dedupe by it (a job may run twice). */
  readonly taskId: string;
  readonly elementId: string;
  /** The `zeebe:taskDefinition type` this handler was chosen by. */
  readonly jobType: string;
  readonly variables: Readonly<Record<string, JsonValue>>;
  /** Static `zeebe:taskHeaders`. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A service-task handler. What it resolves to becomes the task's completion variables. It may
 * run more than once for one task (at-least-once delivery), so its side effects must be
 * idempotent; throwing makes the job retry with backoff (`UnrecoverableError`: fail at once).
 */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, JsonValue> | void>;

export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** Handlers by job type. */
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(...sets: JobHandlers[]) {
    for (const set of sets)
      for (const [type, handler] of Object.entries(set)) this.register(type, handler);
  }

  /** Adds or replaces the handler of a job type. */
  register(type: string, handler: JobHandler): void {
    this.handlers.set(type, handler);
  }

  get(type: string): JobHandler | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()].sort();
  }
}
