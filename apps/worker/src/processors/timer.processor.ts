import { DATA_SOURCE } from '@app/runtime';
import { InstanceRuntime } from '@app/store';
import { Inject, Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { jobInput } from '../jobs/job-input.js';

/** `timers` / `fire-timer`: fires an engine timer; a timer no longer scheduled is done. */
@Injectable()
export class TimerProcessor {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(InstanceRuntime) private readonly runtime: InstanceRuntime,
  ) {}

  async handle(data: unknown): Promise<'fired' | 'skipped'> {
    const { instanceId, timerId } = jobInput.fireTimer(data);
    const [timer] = await this.dataSource.query<{ instance_id: string; state: string }[]>(
      `SELECT instance_id, state FROM timers WHERE id = $1`,
      [timerId],
    );
    if (!timer) throw new UnrecoverableError(`fire-timer: no timer '${timerId}'`);
    if (timer.instance_id !== instanceId) {
      throw new UnrecoverableError(
        `fire-timer: timer '${timerId}' belongs to instance '${timer.instance_id}', not '${instanceId}'`,
      );
    }
    if (timer.state !== 'scheduled') return 'skipped';
    // The runtime re-checks the row inside the step; a concurrent delivery finds it fired.
    return (await this.runtime.fireTimer(timerId)) ? 'fired' : 'skipped';
  }
}
