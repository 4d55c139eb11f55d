import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { UsersService } from '../users/users.service';

/**
 * The first admin: ADMIN_EMAIL / ADMIN_PASSWORD when set and that user does
 * not exist yet; otherwise, when there is no admin at all, admin@localhost
 * with a random password printed once to the log.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');

  constructor(
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config;
    if (adminEmail && adminPassword) {
      if (!(await this.users.findByEmail(adminEmail))) {
        await this.createQuietly(adminEmail, adminPassword);
        this.logger.log(
          `Created the admin account ${adminEmail} (from ADMIN_EMAIL)`,
        );
      }
      return;
    }
    if ((await this.users.countAdmins()) > 0) return;
    const email = 'admin@localhost';
    const password = randomBytes(12).toString('base64url');
    if (await this.users.findByEmail(email)) return;
    if (await this.createQuietly(email, password)) {
      // Printed once, on purpose: this is the only way to learn it.
      this.logger.log(
        `Created the first admin. Log in as ${email} with password: ${password}`,
      );
    }
  }

  /** Another API process may create the same admin at the same moment: that is fine. */
  private async createQuietly(
    email: string,
    password: string,
  ): Promise<boolean> {
    try {
      await this.users.create({
        email,
        password,
        name: 'Admin',
        role: 'admin',
      });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'EMAIL_TAKEN') return false;
      throw err;
    }
  }
}
