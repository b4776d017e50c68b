import { Module } from '@nestjs/common';

/** Processors and crons arrive with the durable runtime (issue 3). */
@Module({})
export class WorkerModule {}
