import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { UsersModule } from '../users/users.module';
import { AdminSettingsController } from './admin-settings.controller';
import { AdminUsageController } from './admin-usage.controller';
import { AdminUsageService } from './admin-usage.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/** Owns no tables: composes what the users, settings and usage modules export. */
@Module({
  imports: [UsersModule, UsageModule],
  controllers: [
    AdminUsersController,
    AdminSettingsController,
    AdminUsageController,
  ],
  providers: [AdminUsersService, AdminUsageService],
})
export class AdminModule {}
