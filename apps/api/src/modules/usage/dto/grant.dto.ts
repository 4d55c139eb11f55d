import { ApiProperty } from '@nestjs/swagger';
import {
  type CreateGrantRequest,
  type Grant,
  type GrantList,
  LIMIT_AMOUNT_MAX,
  LIMIT_METRICS,
  LIMIT_WINDOWS,
  type LimitMetric,
  type LimitWindow,
  MODEL_ID_PATTERN,
} from '@tally/api-contract';
import {
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { IsOptionalNotNull } from '../../../common/validation';

export class GrantDto implements Grant {
  @ApiUuid()
  id!: string;
  @ApiUuid()
  user_id!: string;
  @ApiProperty({ enum: LIMIT_METRICS })
  metric!: LimitMetric;
  @ApiProperty({ enum: LIMIT_WINDOWS })
  window!: LimitWindow;
  /** The model of the limit it raises; null: the limit over every model. */
  @ApiProperty({ type: 'string', nullable: true, example: null })
  model!: string | null;
  /** Added to the limit: messages, tokens, or micro-dollars. */
  @ApiInt()
  amount!: number;
  note!: string;
  /** The admin who granted it (null once that user is deleted). */
  @ApiUuid({ nullable: true })
  created_by!: string | null;
  @ApiTimestamp()
  created_at!: string;
  /** The end of the window it was granted in. */
  @ApiTimestamp()
  expires_at!: string;
}

export class GrantListDto implements GrantList {
  items!: GrantDto[];
}

/** `POST /api/admin/users/:id/grants`. */
export class CreateGrantDto implements CreateGrantRequest {
  @ApiProperty({ enum: LIMIT_METRICS })
  @IsIn(LIMIT_METRICS)
  metric!: LimitMetric;

  @ApiProperty({ enum: LIMIT_WINDOWS })
  @IsIn(LIMIT_WINDOWS)
  window!: LimitWindow;

  /** The model of the limit to raise; null or absent: the limit over every model. */
  @ApiProperty({
    type: 'string',
    nullable: true,
    required: false,
    example: null,
  })
  @ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null)
  @IsString()
  @Matches(MODEL_ID_PATTERN, { message: 'model must be a model id' })
  model?: string | null;

  @ApiInt({
    minimum: 1,
    maximum: LIMIT_AMOUNT_MAX,
    description:
      'A whole number 1..9007199254740991: messages, tokens, or micro-dollars.',
  })
  @IsInt()
  @Min(1)
  @Max(LIMIT_AMOUNT_MAX)
  amount!: number;

  /** Why (for the other admins). */
  @ApiProperty({ required: false, maxLength: 500 })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  note?: string;
}
