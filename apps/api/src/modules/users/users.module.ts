import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from './user.entity';
import { SsoUsersService } from './sso-users.service';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [UsersService, SsoUsersService],
  exports: [UsersService, SsoUsersService],
})
export class UsersModule {}
