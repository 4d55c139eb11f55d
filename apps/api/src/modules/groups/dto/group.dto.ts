import { ApiProperty } from '@nestjs/swagger';
import {
  type CreateGroupRequest,
  type Group,
  type GroupList,
  type GroupListQuery,
  GROUP_NAME_MAX,
  GROUP_SOURCES,
  type GroupSource,
  type UpdateGroupRequest,
} from '@tally/api-contract';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { ApiInt, ApiTimestamp, ApiUuid } from '../../../common/api-docs';
import { PageQueryDto } from '../../../common/pagination.dto';
import { IsOptionalNotNull, trimmed } from '../../../common/validation';

/** At most this long a group's description. */
export const GROUP_DESCRIPTION_MAX = 1000;

export class GroupDto implements Group {
  @ApiUuid()
  id!: string;
  /** Unique, case-insensitive. @example Research */
  name!: string;
  description!: string;
  /** Users in the group. */
  @ApiInt()
  member_count!: number;
  @ApiTimestamp()
  created_at!: string;
  @ApiTimestamp()
  updated_at!: string;
  /** `local`: made in Tally; `oidc`: from the provider's groups claim; `scim`: from SCIM. */
  @ApiProperty({ enum: GROUP_SOURCES })
  source!: GroupSource;
  /** The provider's name or id of the group; null for local groups. */
  @ApiProperty({ type: 'string', nullable: true })
  external_id!: string | null;
}

export class GroupListDto implements GroupList {
  items!: GroupDto[];
  @ApiInt()
  total!: number;
  @ApiInt()
  page!: number;
  @ApiInt()
  page_size!: number;
}

/** A group a user is in, as `AdminUser.groups` lists it. */
export class GroupRefDto {
  @ApiUuid()
  id!: string;
  name!: string;
}

/** `GET /api/admin/groups`. */
export class ListGroupsQueryDto extends PageQueryDto implements GroupListQuery {
  /** Part of a group's name, case-insensitive. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(GROUP_NAME_MAX)
  search?: string;
}

/** `POST /api/admin/groups`. */
export class CreateGroupDto implements CreateGroupRequest {
  @ApiProperty({
    minLength: 1,
    maxLength: GROUP_NAME_MAX,
    example: 'Research',
    description: `1 to ${GROUP_NAME_MAX} characters (trimmed), unique whatever the case.`,
  })
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(GROUP_NAME_MAX)
  name!: string;

  @ApiProperty({ required: false, maxLength: GROUP_DESCRIPTION_MAX })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(GROUP_DESCRIPTION_MAX)
  description?: string;
}

/** `PATCH /api/admin/groups/:id`: any of the fields. */
export class UpdateGroupDto implements UpdateGroupRequest {
  @ApiProperty({ required: false, minLength: 1, maxLength: GROUP_NAME_MAX })
  @IsOptionalNotNull()
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(GROUP_NAME_MAX)
  name?: string;

  @ApiProperty({ required: false, maxLength: GROUP_DESCRIPTION_MAX })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(GROUP_DESCRIPTION_MAX)
  description?: string;
}
