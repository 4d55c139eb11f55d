import { ApiProperty } from '@nestjs/swagger';
import type {
  Alert,
  AlertList,
  AlertTestResult,
  AlertType,
  LimitMetric,
  LimitSubject,
  LimitWindow,
  QuotaLimit,
} from '@tally/api-contract';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { PageQueryDto } from '../../../common/pagination.dto';

/** `GET /api/admin/alerts?page=&page_size=`. */
export class ListAlertsQueryDto extends PageQueryDto {}

/** The limit an alert is about, right after the settle that crossed the threshold (API.md `QuotaLimit`). */
export class AlertLimitDto implements QuotaLimit {
  @ApiUuid()
  id!: string;
  @ApiProperty({ enum: ['everyone', 'group', 'user', 'api_key'] })
  subject!: LimitSubject;
  @ApiUuid({ nullable: true })
  subject_id!: string | null;
  @ApiProperty({ nullable: true, type: 'string' })
  subject_name!: string | null;
  @ApiProperty({ enum: ['messages', 'tokens', 'cost'] })
  metric!: LimitMetric;
  @ApiProperty({ enum: ['day', 'week', 'month'] })
  window!: LimitWindow;
  @ApiProperty({ nullable: true, type: 'string' })
  model!: string | null;
  shared!: boolean;
  @ApiInt()
  amount!: number;
  /** Settled use in the window, this send included. */
  @ApiInt()
  used!: number;
  /** The amount plus grants. */
  @ApiInt()
  limit!: number;
  @ApiInt()
  remaining!: number;
  @ApiTimestamp()
  resets_at!: string;
  /**
   * What is left cannot pay for one more send of the model (messages: none;
   * tokens: fewer than 2; cost: less than one prompt and one output token);
   * absent from alerts recorded before it existed.
   */
  @ApiProperty({ required: false })
  exhausted?: boolean;
}

export class AlertUserDto {
  @ApiUuid()
  id!: string;
  email!: string;
  name!: string;
}

export class AlertDto implements Alert {
  @ApiUuid()
  id!: string;
  /** `limit.threshold` for a crossing; `test` for a test alert. */
  @ApiProperty({ enum: ['limit.threshold', 'test'] })
  type!: AlertType;
  /** The percentage of the limit reached (null for a test alert). */
  @ApiInt({ nullable: true, minimum: 1, maximum: 100 })
  threshold!: number | null;
  @ApiProperty({ type: AlertLimitDto, nullable: true })
  limit!: AlertLimitDto | null;
  /** Whose use crossed it; null for a shared limit and a test alert. */
  @ApiProperty({ type: AlertUserDto, nullable: true })
  user!: AlertUserDto | null;
  @ApiTimestamp()
  created_at!: string;
  /** When the receiver answered 2xx; null until then. */
  @ApiTimestamp({ nullable: true })
  delivered_at!: string | null;
  /** Deliveries tried so far. */
  @ApiInt()
  attempts!: number;
  /** Why the last attempt failed (`Gave up after …` once given up). */
  @ApiProperty({ nullable: true, type: 'string' })
  last_error!: string | null;
  /** When the next attempt is due; null when none will be made (delivered, given up, no webhook URL when recorded, or a test alert). */
  @ApiTimestamp({ nullable: true })
  next_attempt_at!: string | null;
}

export class AlertListDto implements AlertList {
  items!: AlertDto[];
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
}

export class AlertTestResultDto implements AlertTestResult {
  /** The test alert's id (it is listed with the others, `type: "test"`). */
  @ApiUuid()
  id!: string;
  /** The receiver answered 2xx. */
  delivered!: boolean;
  /** The receiver's HTTP status; null when it gave none (refused, timed out). */
  @ApiInt({ nullable: true })
  status!: number | null;
  /** Why it was not delivered; null when it was. */
  @ApiProperty({ nullable: true, type: 'string' })
  error!: string | null;
  @ApiInt()
  duration_ms!: number;
}
