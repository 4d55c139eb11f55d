import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A conversation; it belongs to one user. An empty title: not named yet. */
@Entity('chats')
export class ChatEntity {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  title!: string;

  /** The model the chat sends to; null: the setting `default_model`. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  model!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** The last activity: creation, then each message stored. */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
