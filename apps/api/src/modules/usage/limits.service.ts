import { Injectable } from '@nestjs/common';
import type { Settings, User } from '@tally/api-contract';
import { SettingsService } from '../settings/settings.service';

/** The daily limits that apply to one user. */
export interface DailyLimits {
  messages: number;
  tokens: number;
}

/**
 * Which limits apply, the one owner of the rule. Today: the user's own
 * daily limit when not null, else the default setting. The statements that
 * check and charge apply the same rule in SQL (`USER_LIMITS_SQL` in
 * limits.sql.ts); this is its form for values already read, and the cap
 * on answers in progress.
 */
@Injectable()
export class LimitsService {
  constructor(private readonly settings: SettingsService) {}

  /** The daily limits of a user, from their own fields and the settings. */
  static daily(
    user: Pick<User, 'max_ai_messages_per_day' | 'max_ai_tokens_per_day'>,
    settings: Pick<
      Settings,
      'default_max_ai_messages_per_day' | 'default_max_ai_tokens_per_day'
    >,
  ): DailyLimits {
    return {
      messages:
        user.max_ai_messages_per_day ??
        settings.default_max_ai_messages_per_day,
      tokens:
        user.max_ai_tokens_per_day ?? settings.default_max_ai_tokens_per_day,
    };
  }

  /** How many answers one user may have in progress at once. */
  streamsPerUser(): Promise<number> {
    return this.settings.value('max_concurrent_streams_per_user');
  }
}
