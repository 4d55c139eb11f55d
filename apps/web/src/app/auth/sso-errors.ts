import { SSO_ERROR_CODES } from '@tally/api-contract';

/** The translation key of a `?sso_error=` code; any other value reads as the general failure. */
export function ssoErrorKey(code: string | null): string | null {
  if (code === null) return null;
  const known = (SSO_ERROR_CODES as readonly string[]).includes(code);
  return `auth.sso.errors.${known ? code : 'SSO_FAILED'}`;
}

/** A path of this app (one leading `/`, not `//` nor `/\`), or null. */
export function appPath(value: string | null): string | null {
  if (!value || !/^\/(?![/\\])/.test(value) || value.includes('\\'))
    return null;
  return value;
}
