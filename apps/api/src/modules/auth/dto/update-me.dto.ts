import type { UpdateMeRequest } from '@tally/api-contract';
import { NameField } from '../../users/user-fields';

export class UpdateMeDto implements UpdateMeRequest {
  @NameField()
  name?: string;
}
