import {
  HttpStatus,
  Inject,
  Injectable,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { AttemptCounters } from './attempt-counters';

export const ATTEMPT_COUNTERS = Symbol('ATTEMPT_COUNTERS');

/** What becomes of a login (or password change) attempt once its outcome is known. */
export interface LoginAttempt {
  /** The password was right: the attempt is not a failure, and its address-and-email (or user's) count is cleared. */
  succeeded(): Promise<void>;
  /** Neither right nor wrong (the database failed, say): the attempt is not counted. */
  undecided(): Promise<void>;
}

const tooMany = (retryAfter: number, message: string) =>
  new ApiError(
    HttpStatus.TOO_MANY_REQUESTS,
    'TOO_MANY_REQUESTS',
    message,
    {},
    { 'Retry-After': String(retryAfter) },
  );

/**
 * Throttles failed logins per client address and email, per address over
 * all emails (10×) and per email over all addresses (4×); wrong current
 * passwords of a password change per user; and registrations per address
 * per hour. An attempt is counted as failed when it starts (so
 * concurrent guesses cannot slip past the limit) and taken back when it
 * turns out right.
 */
@Injectable()
export class AuthThrottle implements OnModuleDestroy {
  constructor(
    @Inject(ATTEMPT_COUNTERS) private readonly counters: AttemptCounters,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async loginAttempt(address: string, email: string): Promise<LoginAttempt> {
    const { loginAttempts: n, loginWindowSeconds } = this.config.auth;
    const who = email.trim().toLowerCase();
    const pair = `login:pair:${address}|${who}`;
    const fromAddress = `login:address:${address}`;
    const forEmail = `login:email:${who}`;
    const retry = await this.counters.take(
      [
        { key: pair, limit: n },
        { key: fromAddress, limit: 10 * n },
        { key: forEmail, limit: 4 * n },
      ],
      loginWindowSeconds * 1000,
    );
    if (retry !== null)
      throw tooMany(retry, 'Too many failed login attempts; try again later');
    return {
      succeeded: async () => {
        await this.counters.clear([pair]);
        await this.counters.giveBack([fromAddress, forEmail]);
      },
      undecided: () => this.counters.giveBack([pair, fromAddress, forEmail]),
    };
  }

  /**
   * A password change of this user, counted like a failed login (at most
   * LOGIN_MAX_ATTEMPTS per LOGIN_WINDOW_SECONDS) until the current password
   * turns out right: a stolen access token cannot guess its way to the
   * password. While the count is full even the right password is refused.
   */
  async passwordAttempt(userId: string): Promise<LoginAttempt> {
    const { loginAttempts, loginWindowSeconds } = this.config.auth;
    const key = `password:user:${userId}`;
    const retry = await this.counters.take(
      [{ key, limit: loginAttempts }],
      loginWindowSeconds * 1000,
    );
    if (retry !== null)
      throw tooMany(retry, 'Too many wrong current passwords; try again later');
    return {
      succeeded: () => this.counters.clear([key]),
      undecided: () => this.counters.giveBack([key]),
    };
  }

  /** Counts a registration from this address; 429 beyond REGISTER_MAX_PER_HOUR. */
  async registration(address: string): Promise<void> {
    const retry = await this.counters.take(
      [
        {
          key: `register:${address}`,
          limit: this.config.auth.registerMaxPerHour,
        },
      ],
      3600 * 1000,
    );
    if (retry !== null)
      throw tooMany(
        retry,
        'Too many registrations from this address; try again later',
      );
  }

  onModuleDestroy(): Promise<void> {
    return this.counters.close();
  }
}
