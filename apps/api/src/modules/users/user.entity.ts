import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  UpdateDateColumn,
  VirtualColumn,
} from 'typeorm';
import type { Role } from '@tally/api-contract';

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'varchar', length: 100, default: '' })
  name!: string;

  @Column({ name: 'password_hash', type: 'text', select: false })
  passwordHash!: string;

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

  /** Raised by a password change: access tokens of an earlier version stop working. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
