import type { CutBy, MessageRole, MessageStatus } from '@tally/api-contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One message of a chat: the user's, or the AI's answer with the tokens charged for it. */
@Entity('messages')
export class MessageEntity {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id!: string;

  /** Order of insertion (an identity column). */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: number;

  @Column({ name: 'chat_id', type: 'uuid' })
  chatId!: string;

  @Column({ type: 'varchar', length: 10 })
  role!: MessageRole;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: MessageStatus;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens!: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens!: number | null;

  /** The model that answered (null on user messages). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  model!: string | null;

  /** What the answer cost, in micro-dollars (null on user messages). */
  @Column({ type: 'bigint', nullable: true })
  cost!: number | string | null;

  /** Why a complete answer ended at its output cap (null: it was not cut). */
  @Column({ name: 'cut_by', type: 'varchar', length: 16, nullable: true })
  cutBy!: CutBy | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
