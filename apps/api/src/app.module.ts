import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { APP_FILTER } from '@nestjs/core';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { AdminModule } from './modules/admin/admin.module';
import { AlertsModule } from './modules/alerts/alerts.module';
import { AuthModule } from './modules/auth/auth.module';
import { ChatModule } from './modules/chat/chat.module';
import { GatewayModule } from './modules/gateway/gateway.module';
import { HealthModule } from './modules/health/health.module';
import { IdentityModule } from './modules/identity/identity.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { ModelsModule } from './modules/models/models.module';
import { SettingsModule } from './modules/settings/settings.module';

@Module({})
export class AppModule {
  /** `logger`: the process's pino logger; create-app.ts mounts its request logging first. */
  static forRoot(config: AppConfig, logger: PinoLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // Nest's Logger writes through pino, inside a request with its request
        // id. No middleware of its own (`forRoutes: []`): httpLogging, mounted
        // first by create-app.ts, opens each request's logging context.
        LoggerModule.forRoot({
          pinoHttp: { logger },
          useExisting: true,
          forRoutes: [],
        }),
        DatabaseModule,
        MetricsModule,
        SettingsModule,
        AuthModule,
        IdentityModule,
        ChatModule,
        ModelsModule,
        AlertsModule,
        AdminModule,
        GatewayModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
