import type { Role } from '@tally/api-contract';

/** Who is calling: set on the request by AuthGuard from an access token or an API key. */
export interface AuthUser {
  id: string;
  email: string;
  role: Role;
  via: 'token' | 'api_key';
}
