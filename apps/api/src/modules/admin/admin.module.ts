import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { UsersModule } from '../users/users.module';
import { AdminConnectionsController } from './admin-connections.controller';
import { AdminModelsController } from './admin-models.controller';
import { AdminSettingsController } from './admin-settings.controller';
import { AdminUsageController } from './admin-usage.controller';
import { AdminUsageService } from './admin-usage.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/** Owns no tables: composes what the users, settings, usage and models modules export. */
@Module({
  imports: [UsersModule, UsageModule, ModelsModule],
  controllers: [
    AdminUsersController,
    AdminSettingsController,
    AdminUsageController,
    AdminConnectionsController,
    AdminModelsController,
  ],
  providers: [AdminUsersService, AdminUsageService],
})
export class AdminModule {}
