import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AdminSettingsController } from './admin-settings.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';

/** Owns no tables: composes what the users, settings and usage modules export. */
@Module({
  imports: [UsersModule],
  controllers: [AdminUsersController, AdminSettingsController],
  providers: [AdminUsersService],
})
export class AdminModule {}
