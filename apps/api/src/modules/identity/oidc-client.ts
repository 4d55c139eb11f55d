import { Inject, Injectable, Logger } from '@nestjs/common';
import type * as Oidc from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

/** The claims single sign-on reads, from the ID token and, when it lacks some, the UserInfo endpoint. */
export type ProviderClaims = Record<string, unknown> & {
  sub: string;
  iss: string;
};

/** What a login keeps between the trip to the provider and its return. */
export interface LoginChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** openid-client is an ES module: loaded on first use, and only when single sign-on is on. */
const load = (): Promise<typeof Oidc> => import('openid-client');

/**
 * The relying party: the OpenID Connect protocol is openid-client's
 * (discovery, PKCE S256, state, nonce, the code grant with every check of
 * the ID token: issuer, audience, signature against the provider's JWKS,
 * expiry). This class only carries the configuration to it.
 */
@Injectable()
export class OidcClient {
  private readonly log = new Logger('SSO');
  /** The provider's metadata, fetched once; forgotten after a failure, so the next login tries again. */
  private discovered: Promise<Oidc.Configuration> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private async configuration(): Promise<{
    lib: typeof Oidc;
    config: Oidc.Configuration;
  }> {
    const oidc = this.config.sso.oidc;
    if (!oidc) throw new Error('single sign-on is not configured');
    const lib = await load();
    this.discovered ??= lib
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        undefined,
        lib.ClientSecretBasic(oidc.clientSecret),
        {
          // Plain http:// is allowed by the configuration for a loopback issuer only.
          execute: oidc.insecureLoopback ? [lib.allowInsecureRequests] : [],
          timeout: 10,
        },
      )
      .catch((err: unknown) => {
        this.discovered = null;
        throw err;
      });
    return { lib, config: await this.discovered };
  }

  /** The provider's address for a new login, and the values its return is checked against. */
  async begin(
    redirectUri: string,
  ): Promise<{ url: string; checks: LoginChecks }> {
    const { lib, config } = await this.configuration();
    const checks: LoginChecks = {
      state: lib.randomState(),
      nonce: lib.randomNonce(),
      codeVerifier: lib.randomPKCECodeVerifier(),
    };
    const url = lib.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.config.sso.oidc?.scopes ?? 'openid',
      response_type: 'code',
      code_challenge: await lib.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { url: url.href, checks };
  }

  /**
   * Redeems the code of `callbackUrl` (the redirect URI with the provider's
   * parameters) and returns the user's claims. Throws on anything the
   * library finds wrong.
   */
  async finish(
    callbackUrl: URL,
    checks: LoginChecks,
    needed: string[],
  ): Promise<ProviderClaims> {
    const { lib, config } = await this.configuration();
    const tokens = await lib.authorizationCodeGrant(config, callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.codeVerifier,
      idTokenExpected: true,
    });
    const idToken = tokens.claims();
    if (!idToken) throw new Error('the provider returned no ID token');
    let claims: Record<string, unknown> = { ...idToken };
    // Some providers put only `sub` in the ID token: the rest is at UserInfo,
    // for the same subject (the library checks it).
    if (
      needed.some((c) => claims[c] === undefined) &&
      config.serverMetadata().userinfo_endpoint
    ) {
      try {
        const info = await lib.fetchUserInfo(
          config,
          tokens.access_token,
          idToken.sub,
        );
        claims = { ...info, ...claims };
        for (const c of needed)
          if (claims[c] === undefined) claims[c] = info[c];
      } catch (err) {
        this.log.warn(`UserInfo request failed: ${String(err)}`);
      }
    }
    return {
      ...claims,
      sub: idToken.sub,
      iss: idToken.iss,
    };
  }
}
