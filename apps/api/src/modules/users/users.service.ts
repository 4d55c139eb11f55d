import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { hash, verify } from '@node-rs/argon2';
import type { Role, User } from '@tally/api-contract';
import { In, Repository } from 'typeorm';
import { ApiError, notFound } from '../../common/api-error';
import { DatabaseService } from '../../database/database.service';
import { escapeLike } from '../../common/sql';
import { UserEntity } from './user.entity';

/** argon2id, the library's defaults (19 MiB, t=2, p=1: OWASP's minimum). */
export const hashPassword = (password: string) => hash(password);
export const verifyPassword = (hashed: string, password: string) =>
  verify(hashed, password).catch(() => false);

/** A hash of nothing, verified against when the email is unknown, so both answers take as long. */
const DUMMY_HASH = hash('tally-timing-equaliser');

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  role?: Role;
}

export interface UserChanges {
  name?: string;
  role?: Role;
  /** false: the user's earlier access tokens stop working, for good. */
  isActive?: boolean;
  /** A new password: the user's earlier access tokens stop working. */
  password?: string;
}

/** What every authenticated request needs to know about its caller. */
export interface AuthRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  is_active: boolean;
  token_version: number;
}

/** AuthRow's columns, in its order. */
const AUTH_COLUMNS = [
  'id',
  'email',
  'name',
  'role',
  'is_active',
  'token_version',
] as const satisfies readonly (keyof AuthRow)[];

/**
 * The select list of an AuthRow, for a statement of another module that
 * reads a user with its own row in one go (an API key and its owner):
 * `authColumns('u')` is `u.id, u.email, …` for `JOIN users u`.
 */
export const authColumns = (alias?: string): string =>
  AUTH_COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

export interface UserPage {
  items: UserEntity[];
  total: number;
}

/** Serializes changes that could remove the last active admin. */
export const ADMIN_LOCK = 7_341_001;

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity)
    private readonly users: Repository<UserEntity>,
    private readonly db: DatabaseService,
  ) {}

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findOne({ where: { id } });
  }

  /**
   * The caller of a request, read on every request (so deactivation and role
   * changes apply at once) with a prepared statement: this is the hottest
   * query of the API.
   */
  async findForAuth(id: string): Promise<AuthRow | null> {
    const [row] = await this.db.prepared<AuthRow>(
      'tally_auth_user_v3',
      `SELECT ${authColumns()} FROM users WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** The users with these ids that exist, in the order of `ids`. */
  async findMany(ids: string[]): Promise<UserEntity[]> {
    if (ids.length === 0) return [];
    const found = await this.users.findBy({ id: In(ids) });
    const byId = new Map(found.map((u) => [u.id, u]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async getById(id: string): Promise<UserEntity> {
    const user = await this.findById(id);
    if (!user) throw notFound('User');
    return user;
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
  }

  /** Checks a password; the same work is done whether or not the email exists. */
  async authenticate(
    email: string,
    password: string,
  ): Promise<UserEntity | null> {
    const row = await this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.email) = lower(:email)', { email })
      .getOne();
    if (!row?.passwordHash) {
      await verifyPassword(await DUMMY_HASH, password);
      return null;
    }
    return (await verifyPassword(row.passwordHash, password)) ? row : null;
  }

  /**
   * Changes the caller's own password when `current` is right; false (and
   * nothing changed) when it is not. The update only applies to the hash
   * that was checked, so of two changes at once with the same current
   * password only one succeeds.
   */
  async changePassword(
    id: string,
    current: string,
    next: string,
  ): Promise<boolean> {
    const [row] = await this.db.query<{ password_hash: string | null }>(
      'SELECT password_hash FROM users WHERE id = $1',
      [id],
    );
    if (!row) throw notFound('User');
    // A user without a password (single sign-on) has no current one to give.
    if (row.password_hash === null) return false;
    if (!(await verifyPassword(row.password_hash, current))) return false;
    const updated = await this.db.query(
      `UPDATE users SET password_hash = $3, token_version = token_version + 1, updated_at = now()
       WHERE id = $1 AND password_hash = $2 RETURNING id`,
      [id, row.password_hash, await hashPassword(next)],
    );
    return updated.length > 0;
  }

  async create(input: NewUser): Promise<UserEntity> {
    const passwordHash = await hashPassword(input.password);
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO users (email, name, password_hash, role)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        input.email.trim().toLowerCase(),
        input.name?.trim() ?? '',
        passwordHash,
        input.role ?? 'user',
      ],
    );
    if (rows.length === 0)
      throw new ApiError(
        HttpStatus.CONFLICT,
        'EMAIL_TAKEN',
        'This email is already registered',
      );
    return this.getById(rows[0].id);
  }

  async list(
    search: string | undefined,
    page: number,
    pageSize: number,
  ): Promise<UserPage> {
    const qb = this.users.createQueryBuilder('u');
    const term = search?.trim();
    if (term) {
      qb.where('(u.email ILIKE :q OR u.name ILIKE :q)', {
        q: `%${escapeLike(term)}%`,
      });
    }
    const [items, total] = await qb
      .orderBy('u.createdAt', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .skip((page - 1) * pageSize)
      .take(pageSize)
      .getManyAndCount();
    return { items, total };
  }

  /**
   * Applies changes; refuses (409) to demote or deactivate the last active
   * admin. The check and the change run under one lock, so two admins
   * demoting each other at once cannot both succeed.
   */
  async update(
    id: string,
    changes: UserChanges,
    extra?: (set: Record<string, unknown>) => void,
  ): Promise<UserEntity> {
    // Hashed before the transaction, so no lock waits for argon2.
    const passwordHash =
      changes.password !== undefined
        ? await hashPassword(changes.password)
        : undefined;
    await this.db.transaction(async (m) => {
      // Only a change of role or of active can remove the last admin: only those wait for each other.
      if (changes.role !== undefined || changes.isActive !== undefined) {
        await m.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_LOCK]);
      }
      const [current] = await m.query(
        `SELECT role, is_active FROM users WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!current) throw notFound('User');
      const losesAdmin =
        current.role === 'admin' &&
        current.is_active === true &&
        ((changes.role !== undefined && changes.role !== 'admin') ||
          changes.isActive === false);
      if (losesAdmin) {
        const [{ n }] = await m.query(
          `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND is_active AND id <> $1`,
          [id],
        );
        if (n === 0) {
          throw new ApiError(
            HttpStatus.CONFLICT,
            'LAST_ADMIN',
            'The last active admin cannot be demoted or deactivated',
          );
        }
      }
      const set: Record<string, unknown> = {};
      if (changes.name !== undefined) set.name = changes.name.trim();
      if (changes.role !== undefined) set.role = changes.role;
      if (changes.isActive !== undefined) set.isActive = changes.isActive;
      // A new password, or a deactivation, ends every access token issued
      // before: reactivating the user later does not bring them back, the
      // user logs in again. (API keys are not tokens: they work again.)
      const deactivated =
        changes.isActive === false && current.is_active === true;
      if (passwordHash !== undefined) set.passwordHash = passwordHash;
      if (passwordHash !== undefined || deactivated)
        set.tokenVersion = () => 'token_version + 1';
      extra?.(set);
      if (Object.keys(set).length > 0) {
        await m.getRepository(UserEntity).update({ id }, set);
      }
    });
    return this.getById(id);
  }

  async countAdmins(): Promise<number> {
    return this.users.count({ where: { role: 'admin', isActive: true } });
  }
}

/** The wire form of a user (API.md `User`). */
export function toUser(u: UserEntity): User {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    is_active: u.isActive,
    max_ai_messages_per_day:
      u.maxAiMessagesPerDay == null ? null : Number(u.maxAiMessagesPerDay),
    max_ai_tokens_per_day:
      u.maxAiTokensPerDay == null ? null : Number(u.maxAiTokensPerDay),
    created_at: u.createdAt.toISOString(),
    auth_source: u.authSource,
  };
}
