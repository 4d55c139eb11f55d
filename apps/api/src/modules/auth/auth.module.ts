import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { createSecretKey } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { UsersModule } from '../users/users.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysService } from './api-keys.service';
import { AuthController } from './auth.controller';
import { AuthGuard, RolesGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginThrottlerGuard } from './login-throttler.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

@Module({
  imports: [
    UsersModule,
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
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          {
            name: 'login',
            ttl: config.auth.loginWindowSeconds * 1000,
            limit: config.auth.loginAttempts,
            blockDuration: config.auth.loginWindowSeconds * 1000,
          },
        ],
        // In memory per process, or shared by every process through Redis.
        ...(config.redisUrl
          ? { storage: new RedisThrottlerStorage(config.redisUrl) }
          : {}),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    ApiKeysService,
    AdminBootstrapService,
    LoginThrottlerGuard,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, UsersModule],
})
export class AuthModule {}
