import { HttpStatus, Injectable } from '@nestjs/common';
import type {
  Group,
  GroupList,
  GroupSource,
  Page,
  User,
} from '@tally/api-contract';
import { ApiError, notFound } from '../../common/api-error';
import { escapeLike, sqlState } from '../../common/sql';
import { DatabaseService } from '../../database/database.service';
import { LimitsService } from '../usage/limits.service';
import { toUser, UsersService } from '../users/users.service';

/** A group a user is in (`AdminUser.groups`). */
export interface GroupRef {
  id: string;
  name: string;
}

interface GroupRow {
  id: string;
  name: string;
  description: string;
  member_count: number | string;
  source: GroupSource;
  external_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = `g.id, g.name, g.description, g.source, g.external_id, g.created_at, g.updated_at,
  (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS member_count`;

const taken = (name: string) =>
  new ApiError(
    HttpStatus.CONFLICT,
    'GROUP_EXISTS',
    `A group named "${name}" exists`,
  );

/**
 * Groups of users and their members (API.md "Limits"). A group's limits
 * belong to the limits (LimitsService): deleting a group deletes them in
 * the same transaction; its past usage stays in the counters and reports.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersService,
    private readonly limits: LimitsService,
  ) {}

  /** Groups by name, those whose name contains `search` (case-insensitive). */
  async list(
    search: string | undefined,
    page: number,
    pageSize: number,
  ): Promise<GroupList> {
    const term = search?.trim() ? `%${escapeLike(search.trim())}%` : null;
    const where = `WHERE $1::text IS NULL OR g.name ILIKE $1`;
    const [rows, [count]] = await Promise.all([
      this.db.query<GroupRow>(
        `SELECT ${COLUMNS} FROM user_groups g ${where}
         ORDER BY lower(g.name), g.id LIMIT $2 OFFSET $3`,
        [term, pageSize, (page - 1) * pageSize],
      ),
      this.db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM user_groups g ${where}`,
        [term],
      ),
    ]);
    return {
      items: rows.map(toGroup),
      total: Number(count.n),
      page,
      page_size: pageSize,
    };
  }

  /** 404 when there is no such group. */
  async get(id: string): Promise<Group> {
    const [row] = await this.db.query<GroupRow>(
      `SELECT ${COLUMNS} FROM user_groups g WHERE g.id = $1`,
      [id],
    );
    if (!row) throw notFound('Group');
    return toGroup(row);
  }

  /** 409 `GROUP_EXISTS` when the name is taken, whatever its case. */
  async create(name: string, description = ''): Promise<Group> {
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO user_groups (name, description) VALUES ($1, $2)
       ON CONFLICT DO NOTHING RETURNING id`,
      [name, description],
    );
    if (!row) throw taken(name);
    return this.get(row.id);
  }

  /** 404 unknown group; 409 `GROUP_EXISTS` when another group has the name. */
  async update(
    id: string,
    changes: { name?: string; description?: string },
  ): Promise<Group> {
    let rows: { id: string }[];
    try {
      rows = await this.db.query<{ id: string }>(
        `UPDATE user_groups SET name = coalesce($2, name),
           description = coalesce($3, description), updated_at = now()
         WHERE id = $1 RETURNING id`,
        [id, changes.name ?? null, changes.description ?? null],
      );
    } catch (err) {
      if (sqlState(err) === '23505') throw taken(changes.name ?? '');
      throw err;
    }
    if (rows.length === 0) throw notFound('Group');
    return this.get(id);
  }

  /** Deletes the group, its memberships and its limits, all or none; 404 unknown group. */
  async remove(id: string): Promise<void> {
    await this.db.inTransaction(async (tx) => {
      const rows = await tx.query(
        `DELETE FROM user_groups WHERE id = $1 RETURNING id`,
        [id],
      );
      if (rows.length === 0) throw notFound('Group');
      await this.limits.removeSubject('group', id, tx);
    });
  }

  /** The group's members, in the order they joined. */
  async members(
    id: string,
    page: number,
    pageSize: number,
  ): Promise<Page<User>> {
    const group = await this.get(id);
    const rows = await this.db.query<{ user_id: string }>(
      `SELECT user_id FROM group_members WHERE group_id = $1
       ORDER BY created_at, user_id LIMIT $2 OFFSET $3`,
      [id, pageSize, (page - 1) * pageSize],
    );
    const users = await this.users.findMany(rows.map((r) => r.user_id));
    return {
      items: users.map(toUser),
      total: group.member_count,
      page,
      page_size: pageSize,
    };
  }

  /** Adds a member (nothing if already one); 404 unknown group or user. */
  async addMember(id: string, userId: string): Promise<void> {
    await this.get(id);
    await this.users.getById(userId);
    try {
      await this.db.query(
        `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING`,
        [id, userId],
      );
    } catch (err) {
      // The group or the user went away since the checks above.
      if (sqlState(err) === '23503') throw notFound('Group or user');
      throw err;
    }
  }

  /** Removes a member (nothing if not one); 404 unknown group or user. */
  async removeMember(id: string, userId: string): Promise<void> {
    await this.get(id);
    await this.users.getById(userId);
    await this.db.query(
      `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`,
      [id, userId],
    );
  }

  /**
   * Makes the user's memberships of groups from `source` exactly `names`
   * (the provider's group names): a group not seen before is created with
   * that source, the user leaves the others of that source. Groups of any
   * other source are untouched; a name a group of another source already
   * has is skipped (returned). All in one transaction.
   */
  async syncExternalMemberships(
    userId: string,
    source: Exclude<GroupSource, 'local'>,
    names: string[],
  ): Promise<{ skipped: string[] }> {
    const wanted = [...new Set(names)];
    return this.db.inTransaction(async (tx) => {
      if (wanted.length > 0) {
        await tx.query(
          `INSERT INTO user_groups (name, source, external_id)
           SELECT n, $1, n FROM unnest($2::text[]) AS n
           ORDER BY n
           ON CONFLICT DO NOTHING`,
          [source, wanted],
        );
      }
      const rows = await tx.query<{ id: string; external_id: string }>(
        `SELECT id, external_id FROM user_groups
         WHERE source = $1 AND external_id = ANY ($2::text[])`,
        [source, wanted],
      );
      const ids = rows.map((r) => r.id);
      await tx.query(
        `DELETE FROM group_members m USING user_groups g
         WHERE m.group_id = g.id AND m.user_id = $1 AND g.source = $2
           AND NOT (g.id = ANY ($3::uuid[]))`,
        [userId, source, ids],
      );
      if (ids.length > 0) {
        await tx.query(
          `INSERT INTO group_members (group_id, user_id)
           SELECT g, $1 FROM unnest($2::uuid[]) AS g
           ON CONFLICT DO NOTHING`,
          [userId, ids],
        );
      }
      const found = new Set(rows.map((r) => r.external_id));
      return { skipped: wanted.filter((n) => !found.has(n)) };
    });
  }

  /** The groups of each user, by name, in one query. */
  async groupsOf(userIds: string[]): Promise<Map<string, GroupRef[]>> {
    const byUser = new Map<string, GroupRef[]>(userIds.map((u) => [u, []]));
    if (userIds.length === 0) return byUser;
    const rows = await this.db.query<{
      user_id: string;
      id: string;
      name: string;
    }>(
      `SELECT m.user_id, g.id, g.name FROM group_members m
       JOIN user_groups g ON g.id = m.group_id
       WHERE m.user_id = ANY ($1::uuid[])
       ORDER BY lower(g.name), g.id`,
      [userIds],
    );
    for (const r of rows)
      byUser.get(r.user_id)?.push({ id: r.id, name: r.name });
    return byUser;
  }
}

function toGroup(r: GroupRow): Group {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    member_count: Number(r.member_count),
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
    source: r.source,
    external_id: r.external_id,
  };
}
