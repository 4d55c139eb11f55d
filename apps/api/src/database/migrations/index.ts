import { InitialSchema1764300000000 } from './1764300000000-initial-schema';
import { ChatsAndMessages1764310000000 } from './1764310000000-chats-and-messages';
import { DailyQuotas1764320000000 } from './1764320000000-daily-quotas';
import { UsageReportIndexes1764330000000 } from './1764330000000-usage-report-indexes';
import { ModelsAndCost1764410000000 } from './1764410000000-models-and-cost';
import { TokenVersion1764420000000 } from './1764420000000-token-version';
import { LimitsAndGroups1764500000000 } from './1764500000000-limits-and-groups';
import { Gateway1764600000000 } from './1764600000000-gateway';
import { Alerts1764700000000 } from './1764700000000-alerts';
import { CatalogVersion1764810000000 } from './1764810000000-catalog-version';
import { RaiseFunction1764850000000 } from './1764850000000-raise-function';
import { LimitSetBy1765100000000 } from './1765100000000-limit-set-by';
import { RequestLogCount1765200000000 } from './1765200000000-request-log-count';
import { CutBy1765400000000 } from './1765400000000-cut-by';
import { ApiKeyExpiry1765600000000 } from './1765600000000-api-key-expiry';
import { Sso1765800000000 } from './1765800000000-sso';

/** Every migration, oldest first. Forward-only once landed. */
export const MIGRATIONS = [
  InitialSchema1764300000000,
  ChatsAndMessages1764310000000,
  DailyQuotas1764320000000,
  UsageReportIndexes1764330000000,
  ModelsAndCost1764410000000,
  TokenVersion1764420000000,
  LimitsAndGroups1764500000000,
  Gateway1764600000000,
  Alerts1764700000000,
  CatalogVersion1764810000000,
  RaiseFunction1764850000000,
  LimitSetBy1765100000000,
  RequestLogCount1765200000000,
  CutBy1765400000000,
  ApiKeyExpiry1765600000000,
  Sso1765800000000,
];
