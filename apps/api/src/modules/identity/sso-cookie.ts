/**
 * The cookie that ties the provider's return to the browser that started the
 * login (against login CSRF): the login's `state`, HttpOnly, SameSite=Lax
 * (it must come back on the provider's top-level redirect), sent only to
 * `/api/auth/sso`, for ten minutes. An empty value clears it.
 */
export const SSO_COOKIE = 'tally_sso_state';

export function stateCookie(state: string, secure: boolean): string {
  return [
    `${SSO_COOKIE}=${state}`,
    'Path=/api/auth/sso',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${state ? 600 : 0}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function readCookie(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SSO_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? null : value;
    }
  }
  return null;
}
