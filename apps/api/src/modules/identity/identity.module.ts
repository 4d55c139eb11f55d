import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { GroupsModule } from '../groups/groups.module';
import { OidcClient } from './oidc-client';
import { SsoController } from './sso.controller';
import { SsoService } from './sso.service';
import { SsoStore } from './sso-store';

/**
 * Single sign-on with an OpenID Connect provider. Users and memberships are
 * written through the users module's services and GroupsService, never their tables.
 */
@Module({
  imports: [AuthModule, GroupsModule],
  controllers: [SsoController],
  providers: [SsoService, SsoStore, OidcClient],
})
export class IdentityModule {}
