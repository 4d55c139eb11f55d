import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { GatewayModule } from '../gateway/gateway.module';
import { GroupsModule } from '../groups/groups.module';
import { ModelsModule } from '../models/models.module';
import { UsageModule } from '../usage/usage.module';
import { UsersModule } from '../users/users.module';
import { AdminAlertsController } from './admin-alerts.controller';
import { AdminConnectionsController } from './admin-connections.controller';
import { AdminGrantsController } from './admin-grants.controller';
import { AdminGroupsController } from './admin-groups.controller';
import { AdminLimitsController } from './admin-limits.controller';
import { AdminModelsController } from './admin-models.controller';
import { AdminRequestsController } from './admin-requests.controller';
import { AdminSettingsController } from './admin-settings.controller';
import { AdminUsageController } from './admin-usage.controller';
import { AdminUsageService } from './admin-usage.service';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/** Owns no tables: composes what the users, groups, settings, usage, models, alerts and gateway modules export. */
@Module({
  imports: [
    UsersModule,
    UsageModule,
    ModelsModule,
    AlertsModule,
    GatewayModule,
    GroupsModule,
  ],
  controllers: [
    AdminUsersController,
    AdminSettingsController,
    AdminUsageController,
    AdminConnectionsController,
    AdminModelsController,
    AdminAlertsController,
    AdminRequestsController,
    AdminGroupsController,
    AdminLimitsController,
    AdminGrantsController,
  ],
  providers: [AdminUsersService, AdminUsageService],
})
export class AdminModule {}
