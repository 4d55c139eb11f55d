import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  UpdateDateColumn,
  VirtualColumn,
} from 'typeorm';
import type { AuthSource, Role } from '@tally/api-contract';

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  name!: string;

  /** Null: no password (a user made by single sign-on or SCIM). */
  @Column({
    name: 'password_hash',
    type: 'text',
    select: false,
    nullable: true,
  })
  passwordHash!: string | null;

  /** How the user signs in (API.md `User.auth_source`). */
  @Column({
    name: 'auth_source',
    type: 'varchar',
    length: 8,
    default: 'password',
  })
  authSource!: AuthSource;

  @Column({ type: 'varchar', length: 10, default: 'user' })
  role!: Role;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  /**
   * The user's own daily message limit (null: none, the groups' or
   * everyone's apply): a view of the user's limit row, which the limits own
   * (view `user_daily_limits`). Read-only here; written through LimitsService.
   */
  @VirtualColumn({
    type: 'int',
    query: (u) =>
      `SELECT max_ai_messages_per_day FROM user_daily_limits WHERE user_id = ${u}.id`,
  })
  maxAiMessagesPerDay!: number | null;

  /** The user's own daily token limit, as `maxAiMessagesPerDay`. */
  @VirtualColumn({
    type: 'int',
    query: (u) =>
      `SELECT max_ai_tokens_per_day FROM user_daily_limits WHERE user_id = ${u}.id`,
  })
  maxAiTokensPerDay!: number | null;

  /** The provider's `iss` of the user's single sign-on identity (null: none). */
  @Column({ name: 'sso_issuer', type: 'text', nullable: true, select: false })
  ssoIssuer!: string | null;

  /** The provider's `sub` of the user (null: none). */
  @Column({ name: 'sso_subject', type: 'text', nullable: true, select: false })
  ssoSubject!: string | null;

  /** Raised by a password change: access tokens of an earlier version stop working. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
