import type { Env } from '@app/config';
import { AccountsRepository } from '@app/org';
import { CLOCK, DATA_SOURCE, ENV, REDIS_CONNECTION } from '@app/runtime';
import type { Clock } from '@app/store';
import { Global, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { ConnectionOptions } from 'bullmq';
import type { DataSource } from 'typeorm';
import { AuthThrottle } from '../platform/auth-throttle.js';
import { AccessService } from './access.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';

/**
 * Authentication for every route (machine tokens, log-in sessions by bearer token or cookie),
 * log-in / log-out / password, and the access service the features use.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    AccessService,
    AuthService,
    {
      provide: AccountsRepository,
      inject: [DATA_SOURCE, CLOCK],
      useFactory: (dataSource: DataSource, clock: Clock) =>
        new AccountsRepository(dataSource, clock),
    },
    {
      provide: AuthThrottle,
      inject: [ENV, REDIS_CONNECTION],
      useFactory: (env: Env, redis: ConnectionOptions) => {
        const logger = new Logger('Auth');
        return new AuthThrottle({
          limit: env.AUTH_FAILURES_PER_MINUTE,
          windowMs: 60_000,
          lockoutMs: env.AUTH_LOCKOUT_SECONDS * 1000,
          prefix: env.BULLMQ_PREFIX,
          redis,
          warn: (message) => logger.warn(message),
        });
      },
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessService, AccountsRepository],
})
export class AuthModule {}
