import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { QueryParamsGuard } from '../../common/query-params.guard';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { UsersModule } from '../users/users.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthGuard, RolesGuard } from './auth.guard';
import { AuthService } from './auth.service';
import {
  MemoryAttemptCounters,
  RedisAttemptCounters,
} from './attempt-counters';
import { ATTEMPT_COUNTERS, AuthThrottle } from './auth-throttle.service';

@Module({
  imports: [
    UsersModule,
    ModelsModule,
    UsageModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // A key object made once: given a string, jsonwebtoken tries to parse
        // it as a PEM public key (and fails) on every sign and verify.
        secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
        signOptions: { expiresIn: config.jwtExpiresIn, algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    ApiKeysService,
    AdminBootstrapService,
    AuthThrottle,
    {
      provide: ATTEMPT_COUNTERS,
      inject: [APP_CONFIG],
      // In memory per process, or shared by every process through Redis.
      useFactory: (config: AppConfig) =>
        config.redisUrl
          ? new RedisAttemptCounters(config.redisUrl)
          : new MemoryAttemptCounters(),
    },
    // Global guards run in this order: who calls, may they, then the query string.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: QueryParamsGuard },
  ],
  exports: [AuthService, UsersModule],
})
export class AuthModule {}
