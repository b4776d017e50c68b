import { InstanceRuntime } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { jobInput } from '../jobs/job-input.js';

/** Timers fired per transaction (InstanceRuntime.fireDueTimers). */
export const TIMER_BATCH_SIZE = 200;
/**
 * How long one job goes on firing batches (its timer not among them: then fired on its own). A
 * count of batches (it was 50: 10,000 timers) left the rest of a larger wave to wait until every
 * job of the first 10,000 had been taken and found its timer fired: 100,000 timers due at once
 * fired with a p99 lateness of 97 s. Time, not a count, bounds the job; the batches are claimed
 * with SKIP LOCKED, so the jobs that run beside it fire the same wave with it.
 */
const FIRING_MS_PER_JOB = 20_000;

/**
 * `timers` / `fire-timer`: fires an engine timer; a timer no longer scheduled is done.
 *
 * A job whose timer is still scheduled fires every timer due by then in batches (one
 * transaction each, see InstanceRuntime.fireDueTimers) until none is left to claim: timers due
 * at the same moment are fired a batch at a time by the first of their jobs, on whichever
 * workers take them (each claims rows the others do not hold), and the rest of their jobs find
 * their timers fired. A timer the batches did not fire (held by another worker's batch or step, not
 * due yet by this worker's clock, or its step failed) is fired on its own, as before: locked
 * with its instance, waiting for whoever holds it — so the job ends with its timer fired (or
 * failed with the step's error), whatever happened to the batches.
 */
@Injectable()
export class TimerProcessor {
  constructor(@Inject(InstanceRuntime) private readonly runtime: InstanceRuntime) {}

  async handle(data: unknown): Promise<'fired' | 'skipped'> {
    const { instanceId, timerId } = jobInput.fireTimer(data);
    const check = (timer: { readonly instanceId: string } | undefined) => {
      if (!timer) throw new UnrecoverableError(`fire-timer: no timer '${timerId}'`);
      if (timer.instanceId !== instanceId) {
        throw new UnrecoverableError(
          `fire-timer: timer '${timerId}' belongs to instance '${timer.instanceId}', not '${instanceId}'`,
        );
      }
    };
    const seen = await this.runtime.timer(timerId);
    check(seen);
    if (seen?.state !== 'scheduled') return 'skipped';
    const skip: string[] = [];
    let mine = false;
    const until = performance.now() + FIRING_MS_PER_JOB;
    while (performance.now() < until) {
      const batch = await this.runtime.fireDueTimers({ limit: TIMER_BATCH_SIZE, skip });
      if (batch.fired.includes(timerId)) mine = true;
      skip.push(...batch.failed);
      // Nothing left that this worker could take (the rest is held by others, or not due)
      if (batch.claimed < TIMER_BATCH_SIZE || batch.fired.length === 0) break;
    }
    if (mine) return 'fired';
    // The timer row is read once, locked with its instance inside the step: a concurrent
    // delivery (or a batch) holding it is waited for, then the timer is found fired.
    const fired = await this.runtime.fireTimer(timerId, check);
    return fired ? 'fired' : 'skipped';
  }
}
