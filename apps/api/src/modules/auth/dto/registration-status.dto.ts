import type { RegistrationStatus } from '@tally/api-contract';

export class RegistrationStatusDto implements RegistrationStatus {
  /** The setting `allow_registration`: anyone may create an account (else `POST /api/auth/register` is 403 `REGISTRATION_CLOSED`). */
  open!: boolean;
}
