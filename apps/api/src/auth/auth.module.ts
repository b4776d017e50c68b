import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessService } from './access.service.js';
import { AuthGuard } from './auth.guard.js';

/** Bearer-token authentication for every route, and the access service the features use. */
@Global()
@Module({
  providers: [AccessService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AccessService],
})
export class AuthModule {}
