import { RuntimeModule, type RuntimeModuleOptions } from '@app/runtime';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { SampleUsersModule } from './auth/sample-users.module.js';
import { ChannelsModule } from './channels/channels.module.js';
import { ApiExceptionFilter } from './common/api-exception.filter.js';
import { apiValidationPipe } from './common/validation.js';
import { HealthModule } from './health/health.module.js';
import { InstancesModule } from './instances/instances.module.js';
import { LedgerModule } from './ledger/ledger.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OrgModule } from './org/org.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { WebModule } from './web/web.module.js';

/** The HTTP process: the shared runtime plus one module per resource. */
@Module({})
export class AppModule {
  static forRoot(options: RuntimeModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot(options),
        AuthModule,
        SampleUsersModule,
        AccountsModule,
        TemplatesModule,
        InstancesModule,
        TasksModule,
        LedgerModule,
        AuditModule,
        NotificationsModule,
        ChannelsModule,
        OrgModule,
        HealthModule,
        WebModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: apiValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
