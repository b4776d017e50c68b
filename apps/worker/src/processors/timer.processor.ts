import { InstanceRuntime } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { jobInput } from '../jobs/job-input.js';

/** `timers` / `fire-timer`: fires an engine timer; a timer no longer scheduled is done. */
@Injectable()
export class TimerProcessor {
  constructor(@Inject(InstanceRuntime) private readonly runtime: InstanceRuntime) {}

  async handle(data: unknown): Promise<'fired' | 'skipped'> {
    const { instanceId, timerId } = jobInput.fireTimer(data);
    // The timer row is read once, locked with its instance inside the step: a concurrent
    // delivery waits for the lock, then finds the timer fired.
    const fired = await this.runtime.fireTimer(timerId, (timer) => {
      if (!timer) throw new UnrecoverableError(`fire-timer: no timer '${timerId}'`);
      if (timer.instanceId !== instanceId) {
        throw new UnrecoverableError(
          `fire-timer: timer '${timerId}' belongs to instance '${timer.instanceId}', not '${instanceId}'`,
        );
      }
    });
    return fired ? 'fired' : 'skipped';
  }
}
