import { DATA_SOURCE } from '@app/runtime';
import {
  InstanceRuntime,
  RuntimeException,
  RuntimeExceptionCode,
  type ServiceTaskRow,
  TasksRepository,
} from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { JobHandlerRegistry } from '../handlers/job-handler.js';
import { jobInput } from '../jobs/job-input.js';

/** The actor of completions reported by service-task handlers. */
export const WORKER_ACTOR = 'system:worker';

/**
 * `process-advance` / `run-job`: runs the handler of a service task's job type, then completes
 * the task with what it returned. A task no longer open is done (a redelivery). A failing
 * handler (or an unknown job type) throws and is retried with backoff; on the last attempt, or
 * at once for an UnrecoverableError, the task is withdrawn and an incident raised on its
 * element (`InstanceRuntime.failTask`), where the instance view shows it and resolving it
 * creates a new job.
 */
@Injectable()
export class RunJobProcessor {
  private readonly tasks: TasksRepository;

  constructor(
    @Inject(DATA_SOURCE) dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
    @Inject(JobHandlerRegistry) private readonly handlers: JobHandlerRegistry,
  ) {
    this.tasks = new TasksRepository(dataSource);
  }

  async handle(
    data: unknown,
    attempt: { attemptsMade: number; attempts: number },
  ): Promise<'completed' | 'skipped' | 'failed'> {
    const { instanceId, taskId } = jobInput.runJob(data);
    const task = await this.tasks.serviceTask(taskId);
    if (!task) throw new UnrecoverableError(`run-job: no task '${taskId}'`);
    if (task.instance_id !== instanceId || task.kind !== 'service') {
      throw new UnrecoverableError(
        `run-job: task '${taskId}' is not a service task of instance '${instanceId}'`,
      );
    }
    if (task.state !== 'open') return 'skipped';
    try {
      return await this.run(instanceId, taskId, task);
    } catch (error) {
      const last =
        error instanceof UnrecoverableError || attempt.attemptsMade + 1 >= attempt.attempts;
      if (!last) throw error;
      const message = `job '${task.job_type ?? ''}' failed after ${attempt.attemptsMade + 1} attempt(s): ${
        error instanceof Error ? error.message : String(error)
      }`;
      try {
        await this.runtime.failTask(taskId, message, WORKER_ACTOR);
      } catch (failure) {
        if (
          failure instanceof RuntimeException &&
          failure.code === RuntimeExceptionCode.TASK_NOT_OPEN
        ) {
          return 'skipped';
        }
        throw failure;
      }
      return 'failed';
    }
  }

  private async run(
    instanceId: string,
    taskId: string,
    task: ServiceTaskRow,
  ): Promise<'completed' | 'skipped'> {
    const jobType = task.job_type ?? '';
    const handler = this.handlers.get(jobType);
    if (!handler) {
      throw new Error(
        `no handler for job type '${jobType}' (task ${taskId}, element ${task.element_id}); registered: ${this.handlers.types().join(', ') || 'none'}`,
      );
    }
    const result = await handler({
      instanceId,
      orgUnitId: task.org_unit_id,
      taskId,
      elementId: task.element_id,
      jobType,
      variables: task.variables ?? {},
      headers: task.headers ?? {},
    });
    if (
      result !== undefined &&
      (typeof result !== 'object' || result === null || Array.isArray(result))
    ) {
      throw new UnrecoverableError(
        `the handler of job type '${jobType}' returned ${JSON.stringify(result)}, not an object of variables`,
      );
    }
    try {
      await this.runtime.completeTask(taskId, result ?? {}, WORKER_ACTOR);
    } catch (error) {
      if (error instanceof RuntimeException) {
        if (error.code === RuntimeExceptionCode.TASK_NOT_OPEN) return 'skipped';
        if (error.code === RuntimeExceptionCode.INVALID_VARIABLES) {
          throw new UnrecoverableError(`job type '${jobType}': ${error.message}`);
        }
      }
      throw error;
    }
    return 'completed';
  }
}
