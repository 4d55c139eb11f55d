import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DatabaseService } from '../../database/database.service';
import type { LoginChecks } from './oidc-client';

/** A login on its way through the provider lives this long. */
const LOGIN_TTL_SECONDS = 600;
/** A one-time code works this long (API.md). */
export const CODE_TTL_SECONDS = 60;

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/**
 * The two short-lived things of a single sign-on, in the database so that
 * every API process sees them: the login in progress (by its `state`) and
 * the one-time code that hands a finished login to the web app (by its
 * hash). Each is taken by one DELETE … RETURNING, so it is used once even
 * when two requests race for it.
 */
@Injectable()
export class SsoStore {
  constructor(private readonly db: DatabaseService) {}

  async saveLogin(checks: LoginChecks, returnTo: string | null): Promise<void> {
    // Logins never finished are dropped by the next one.
    await this.db.query(`DELETE FROM sso_logins WHERE expires_at < now()`);
    await this.db.query(
      `INSERT INTO sso_logins (state, nonce, code_verifier, return_to, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [
        checks.state,
        checks.nonce,
        checks.codeVerifier,
        returnTo,
        LOGIN_TTL_SECONDS,
      ],
    );
  }

  /** The login of `state`, once; null when unknown, used or expired. */
  async takeLogin(
    state: string,
  ): Promise<{ checks: LoginChecks; returnTo: string | null } | null> {
    const [row] = await this.db.query<{
      nonce: string;
      code_verifier: string;
      return_to: string | null;
      live: boolean;
    }>(
      `DELETE FROM sso_logins WHERE state = $1
       RETURNING nonce, code_verifier, return_to, expires_at > now() AS live`,
      [state],
    );
    if (!row?.live) return null;
    return {
      checks: { state, nonce: row.nonce, codeVerifier: row.code_verifier },
      returnTo: row.return_to,
    };
  }

  /** A new one-time code for the user; only its hash is stored. */
  async issueCode(userId: string): Promise<string> {
    await this.db.query(`DELETE FROM sso_codes WHERE expires_at < now()`);
    const code = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO sso_codes (code_hash, user_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [sha256(code), userId, CODE_TTL_SECONDS],
    );
    return code;
  }

  /** The user a code was issued for, once; null when unknown, used or expired. */
  async takeCode(code: string): Promise<string | null> {
    const [row] = await this.db.query<{ user_id: string; live: boolean }>(
      `DELETE FROM sso_codes WHERE code_hash = $1
       RETURNING user_id, expires_at > now() AS live`,
      [sha256(code)],
    );
    return row?.live ? row.user_id : null;
  }
}
