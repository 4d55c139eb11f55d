import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';

const base = () => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'tally-sso-')) });
const SSO = {
  PUBLIC_URL: 'https://tally.example.com/',
  OIDC_ISSUER: 'https://login.example.com/realms/corp',
  OIDC_CLIENT_ID: 'tally',
  OIDC_CLIENT_SECRET: 'secret',
};

describe('single sign-on configuration', () => {
  it('is off without OIDC_ISSUER, with password sign-in on and the default label', () => {
    expect(loadConfig(base()).sso).toEqual({
      publicUrl: null,
      oidc: null,
      passwordLogin: true,
      label: 'Single sign-on',
    });
  });

  it('reads the provider with the defaults of the contract', () => {
    const { sso } = loadConfig({
      ...base(),
      ...SSO,
      OIDC_ADMIN_GROUPS: ' Tally-Admins, ops ',
      OIDC_ALLOWED_DOMAINS: 'Example.com,@corp.test',
      PASSWORD_LOGIN: 'false',
    });
    expect(sso).toEqual({
      publicUrl: 'https://tally.example.com',
      passwordLogin: false,
      label: 'Single sign-on',
      oidc: {
        issuer: SSO.OIDC_ISSUER,
        clientId: 'tally',
        clientSecret: 'secret',
        scopes: 'openid email profile',
        groupsClaim: 'groups',
        adminGroups: ['tally-admins', 'ops'],
        allowedDomains: ['example.com', 'corp.test'],
        insecureLoopback: false,
      },
    });
  });

  it('takes plain http:// issuers on a loopback address only, in any NODE_ENV', () => {
    for (const issuer of [
      'http://127.0.0.1:8080',
      'http://localhost:8080/realms/x',
      'http://[::1]:8080',
    ]) {
      expect(
        loadConfig({
          ...base(),
          ...SSO,
          NODE_ENV: 'production',
          JWT_SECRET: 'a-long-enough-production-secret',
          OIDC_ISSUER: issuer,
        }).sso.oidc?.insecureLoopback,
      ).toBe(true);
    }
    expect(() =>
      loadConfig({
        ...base(),
        ...SSO,
        OIDC_ISSUER: 'http://login.example.com',
      }),
    ).toThrow(/OIDC_ISSUER must use https/);
  });

  it('names what is missing', () => {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL']) {
      const env: Record<string, string> = { ...base(), ...SSO };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(name);
    }
    expect(() =>
      loadConfig({ ...base(), ...SSO, OIDC_SCOPES: 'email profile' }),
    ).toThrow('OIDC_SCOPES must include openid');
    expect(() => loadConfig({ ...base(), PASSWORD_LOGIN: 'no' })).toThrow(
      'PASSWORD_LOGIN',
    );
  });
});
