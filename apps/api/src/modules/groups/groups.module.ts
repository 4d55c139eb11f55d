import { Module } from '@nestjs/common';
import { UsageModule } from '../usage/usage.module';
import { UsersModule } from '../users/users.module';
import { GroupsService } from './groups.service';

/**
 * Groups of users and their members. Their limits are the limits' (usage
 * module): deleting a group deletes them in the same transaction.
 */
@Module({
  imports: [UsersModule, UsageModule],
  providers: [GroupsService],
  exports: [GroupsService],
})
export class GroupsModule {}
