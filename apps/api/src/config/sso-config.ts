import { ConfigError, type Env, oneOf, str, url } from './env';

/** Single sign-on with an OpenID Connect provider (API.md "v3: single sign-on"). */
export interface SsoConfig {
  /** The address users open (`PUBLIC_URL`), without a trailing slash; null when unset. */
  publicUrl: string | null;
  /** The provider; null: single sign-on is off. Set only with a client id, secret and `PUBLIC_URL`. */
  oidc: OidcConfig | null;
  /** false: password login and registration are refused, except for `ADMIN_EMAIL`'s login. */
  passwordLogin: boolean;
  /** The login button's text. */
  label: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated, `openid` among them. */
  scopes: string;
  groupsClaim: string;
  /** Lower-cased group names whose members are admins. */
  adminGroups: string[];
  /** Lower-cased email domains allowed to sign in; empty: any. */
  allowedDomains: string[];
  /** A plain `http://` issuer, allowed on a loopback address only. */
  insecureLoopback: boolean;
}

const list = (env: Env, name: string): string[] =>
  (str(env, name) ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost|\[::1\])$/i;

/** The single sign-on variables, validated (a bad value stops the process with one line naming it). */
export function ssoConfig(env: Env): SsoConfig {
  const publicUrlRaw = url(env, 'PUBLIC_URL', ['http:', 'https:']);
  const publicUrl = publicUrlRaw?.replace(/\/+$/, '') ?? null;
  const passwordRaw = oneOf(env, 'PASSWORD_LOGIN', ['true', 'false'], 'true');
  const label = str(env, 'OIDC_LABEL') ?? 'Single sign-on';
  if (label.length > 100)
    throw new ConfigError('OIDC_LABEL', 'must be at most 100 characters');
  const base = { publicUrl, passwordLogin: passwordRaw === 'true', label };

  const issuer = url(env, 'OIDC_ISSUER', ['http:', 'https:']);
  if (issuer === null) return { ...base, oidc: null };
  const parsed = new URL(issuer);
  const insecureLoopback = parsed.protocol === 'http:';
  if (insecureLoopback && !LOOPBACK.test(parsed.hostname)) {
    throw new ConfigError(
      'OIDC_ISSUER',
      'must use https:// (plain http:// only on a loopback address)',
    );
  }
  const clientId = str(env, 'OIDC_CLIENT_ID');
  const clientSecret = str(env, 'OIDC_CLIENT_SECRET');
  if (clientId === null)
    throw new ConfigError('OIDC_CLIENT_ID', 'is required with OIDC_ISSUER');
  if (clientSecret === null)
    throw new ConfigError('OIDC_CLIENT_SECRET', 'is required with OIDC_ISSUER');
  if (publicUrl === null)
    throw new ConfigError('PUBLIC_URL', 'is required with OIDC_ISSUER');
  const scopes = (str(env, 'OIDC_SCOPES') ?? 'openid email profile')
    .split(/[\s,]+/)
    .filter((s) => s !== '');
  if (!scopes.includes('openid'))
    throw new ConfigError('OIDC_SCOPES', 'must include openid');
  return {
    ...base,
    oidc: {
      issuer,
      clientId,
      clientSecret,
      scopes: scopes.join(' '),
      groupsClaim: str(env, 'OIDC_GROUPS_CLAIM') ?? 'groups',
      adminGroups: list(env, 'OIDC_ADMIN_GROUPS'),
      allowedDomains: list(env, 'OIDC_ALLOWED_DOMAINS').map((d) =>
        d.replace(/^@/, ''),
      ),
      insecureLoopback,
    },
  };
}
