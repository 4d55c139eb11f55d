import type { SsoErrorCode } from '@tally/api-contract';

/** A single sign-on that ends on the sign-in page with `?sso_error=<code>`. */
export class SsoError extends Error {
  constructor(
    readonly code: SsoErrorCode,
    /** For the log only: never shown to the user. */
    reason: string,
  ) {
    super(reason);
    this.name = 'SsoError';
  }
}
