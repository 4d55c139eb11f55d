import type { RegisterRequest } from '@tally/api-contract';
import { EmailField, NameField, PasswordField } from '../../users/user-fields';

export class RegisterDto implements RegisterRequest {
  @EmailField()
  email!: string;

  @PasswordField()
  password!: string;

  @NameField()
  name?: string;
}
