import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Role } from '@tally/api-contract';
import { Repository } from 'typeorm';
import { notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { UserEntity } from './user.entity';
import { ADMIN_LOCK, UsersService } from './users.service';

/** A user as the provider describes them on their first single sign-on. */
export interface SsoUser {
  email: string;
  name: string;
  role: Role;
  issuer: string;
  subject: string;
}

/**
 * The writes single sign-on makes to users (identity/ calls them): found by
 * the provider's identity, created without a password, linked, and kept in
 * step with what the provider says at every login. The users table stays
 * this module's.
 */
@Injectable()
export class SsoUsersService {
  constructor(
    @InjectRepository(UserEntity)
    private readonly users: Repository<UserEntity>,
    private readonly db: DatabaseService,
    private readonly usersService: UsersService,
  ) {}

  /** The user the provider knows as `subject` (its `iss` and `sub`). */
  findBySsoIdentity(
    issuer: string,
    subject: string,
  ): Promise<UserEntity | null> {
    return this.users.findOne({
      where: { ssoIssuer: issuer, ssoSubject: subject },
    });
  }

  /**
   * A user made by single sign-on: no password, `auth_source` `oidc`, the
   * provider's identity. Null when the email is taken (or the identity is,
   * by a login at the same moment).
   */
  async createFromSso(input: SsoUser): Promise<UserEntity | null> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO users (email, name, password_hash, role, auth_source, sso_issuer, sso_subject)
       VALUES ($1, $2, NULL, $3, 'oidc', $4, $5)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        input.email.trim().toLowerCase(),
        input.name.trim(),
        input.role,
        input.issuer,
        input.subject,
      ],
    );
    return rows.length === 0 ? null : this.usersService.getById(rows[0].id);
  }

  /** Gives a user without one the provider's identity; false when the user has another. */
  async linkSsoIdentity(
    id: string,
    issuer: string,
    subject: string,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE users SET sso_issuer = $2, sso_subject = $3, updated_at = now()
       WHERE id = $1 AND sso_subject IS NULL RETURNING id`,
      [id, issuer, subject],
    );
    return rows.length > 0;
  }

  /**
   * What the provider says of a user at each login: email, name and role.
   * The role never leaves the server without an active admin: the last one
   * stays admin (and the reason is returned). An email another user has is
   * left as it was.
   */
  async applySso(
    id: string,
    changes: { email: string; name: string; role: Role },
  ): Promise<{ user: UserEntity; kept: ('role' | 'email')[] }> {
    const kept: ('role' | 'email')[] = [];
    await this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_LOCK]);
      const [current] = await m.query(
        `SELECT role, is_active, email FROM users WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!current) throw notFound('User');
      let role = changes.role;
      if (current.role === 'admin' && current.is_active && role !== 'admin') {
        const [{ n }] = await m.query(
          `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND is_active AND id <> $1`,
          [id],
        );
        if (n === 0) {
          role = 'admin';
          kept.push('role');
        }
      }
      const email = changes.email.trim().toLowerCase();
      const [other] = await m.query(
        `SELECT id FROM users WHERE lower(email) = $1 AND id <> $2`,
        [email, id],
      );
      if (other) kept.push('email');
      await m.query(
        `UPDATE users SET email = $2, name = $3, role = $4, updated_at = now() WHERE id = $1`,
        [id, other ? current.email : email, changes.name.trim(), role],
      );
    });
    return { user: await this.usersService.getById(id), kept };
  }
}
