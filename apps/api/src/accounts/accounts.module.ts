import { Module } from '@nestjs/common';
import { AccountsService } from './accounts.service.js';
import { TokensController } from './tokens.controller.js';
import { UsersController } from './users.controller.js';

/** Users and machine tokens, administered by admins within their subtree. */
@Module({
  controllers: [UsersController, TokensController],
  providers: [AccountsService],
})
export class AccountsModule {}
