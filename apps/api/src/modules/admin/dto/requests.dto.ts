import { ApiProperty } from '@nestjs/swagger';
import {
  CUT_BY,
  type CutBy,
  GATEWAY_REQUEST_STATUSES,
  type GatewayRequest,
  type GatewayRequestList,
  type GatewayRequestQuery,
  type GatewayRequestStatus,
} from '@tally/api-contract';
import { IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { PageQueryDto } from '../../../common/pagination.dto';
import { IsOptionalNotNull } from '../../../common/validation';

/** `GET /api/admin/requests`. */
export class RequestsQueryDto
  extends PageQueryDto
  implements GatewayRequestQuery
{
  /** Only this user's requests. */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  user_id?: string;

  /** Only the requests made with this API key. */
  @ApiProperty({ format: 'uuid', required: false })
  @IsOptionalNotNull()
  @IsUUID()
  api_key_id?: string;

  /** Only the requests for this model. */
  @ApiProperty({ required: false })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  model?: string;

  /** Only the requests whose user's e-mail or name, or key's name, contains this (any case). */
  @ApiProperty({ required: false, minLength: 1, maxLength: 254 })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 254)
  search?: string;
}

export class GatewayRequestDto implements GatewayRequest {
  @ApiUuid()
  id!: string;
  @ApiUuid()
  user_id!: string;
  /** Null with an access token, or once the key is deleted. */
  @ApiUuid({ nullable: true })
  api_key_id!: string | null;
  @ApiProperty({ type: String, nullable: true })
  model!: string | null;
  @ApiProperty({ enum: GATEWAY_REQUEST_STATUSES })
  status!: GatewayRequestStatus;
  /** Why it was refused or failed. */
  @ApiProperty({ type: String, nullable: true })
  code!: string | null;
  @ApiInt({ nullable: true })
  prompt_tokens!: number | null;
  @ApiInt({ nullable: true })
  completion_tokens!: number | null;
  /** Micro-dollars. */
  @ApiInt({ nullable: true })
  cost!: number | null;
  /**
   * Why a complete answer ended at its output cap: `max_output` (the
   * request's `max_tokens`, the model's or the instance's cap) or `limit`
   * (a limit left less); null otherwise.
   */
  @ApiProperty({ enum: CUT_BY, nullable: true })
  cut_by!: CutBy | null;
  @ApiTimestamp()
  started_at!: string;
  @ApiInt()
  duration_ms!: number;
  /** How many requests the row stands for: 1, except that the refusals of one user, key and code in one minute share a row. */
  @ApiInt({ minimum: 1 })
  count!: number;
  /** The user's e-mail, as it is now. */
  @ApiProperty()
  user_email!: string;
  /** The user's name, as it is now. */
  @ApiProperty()
  user_name!: string;
  /** The key's name, as it is now; null with an access token, or once the key is deleted. */
  @ApiProperty({ type: String, nullable: true })
  api_key_name!: string | null;
  /** Made with an API key (true also once that key is deleted). */
  @ApiProperty()
  by_api_key!: boolean;
}

export class GatewayRequestListDto implements GatewayRequestList {
  items!: GatewayRequestDto[];
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
}
