import { IsOptionalNotNull } from '../../../common/validation';
import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination.dto';

export class ListUsersQueryDto extends PageQueryDto {
  /** Part of an email or a name, case-insensitive. */
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(254)
  search?: string;
}
