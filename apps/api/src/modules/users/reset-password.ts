import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { dataSourceOptions } from '../../database/database.options';
import { hashPassword } from './users.service';

/** 18 random bytes: 24 URL-safe characters, 144 bits. */
export const newRandomPassword = (): string =>
  randomBytes(18).toString('base64url');

export interface PasswordReset {
  email: string;
  isActive: boolean;
  password: string;
}

/**
 * Gives the user with `email` a new random password and revokes their access
 * tokens the way a password change does (the token version goes up); null
 * when no user has that email.
 */
export async function resetPassword(
  ds: DataSource,
  email: string,
): Promise<PasswordReset | null> {
  const password = newRandomPassword();
  // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count].
  const rows: { email: string; is_active: boolean }[] = await ds.query(
    `WITH changed AS (
       UPDATE users SET password_hash = $2, token_version = token_version + 1, updated_at = now()
       WHERE lower(email) = lower($1) RETURNING email, is_active
     ) SELECT email, is_active FROM changed`,
    [email.trim(), await hashPassword(password)],
  );
  if (rows.length === 0) return null;
  return { email: rows[0].email, isActive: rows[0].is_active, password };
}

/**
 * `node dist/apps/api/main.js reset-password <email>`: the way back in for an
 * admin who lost the password. The new password goes to stdout, alone on its
 * line and only there (never to a log); what happened goes to stderr.
 * Answers the exit code: 0 done, 1 no such user or no email given.
 */
export async function resetPasswordCommand(
  config: AppConfig,
  email: string | undefined,
): Promise<number> {
  if (!email?.trim()) {
    console.error('Usage: reset-password <email>');
    return 1;
  }
  const ds = await new DataSource(dataSourceOptions(config)).initialize();
  try {
    const reset = await resetPassword(ds, email);
    if (!reset) {
      console.error(`No user has the email ${email.trim()}; nothing changed.`);
      return 1;
    }
    console.error(
      `New password for ${reset.email} (shown this once; every earlier sign-in of this user is signed out):`,
    );
    if (!reset.isActive) {
      console.error(
        'Note: this account is deactivated; an admin must activate it before it can sign in.',
      );
    }
    process.stdout.write(`${reset.password}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}
