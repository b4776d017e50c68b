import { Module } from '@nestjs/common';
import { SampleUsersController } from './sample-users.controller.js';

/**
 * `GET /api/auth/sample-users`: the sample organisation's log-ins for the log-in page, in
 * development only (AccountsRepository comes from the global AuthModule).
 */
@Module({ controllers: [SampleUsersController] })
export class SampleUsersModule {}
