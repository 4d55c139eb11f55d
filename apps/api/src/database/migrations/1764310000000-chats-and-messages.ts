import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Chats, their messages, and the per-user slots of answers in progress. */
export class ChatsAndMessages1764310000000 implements MigrationInterface {
  name = 'ChatsAndMessages1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chats (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title varchar(200) NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A user's chats, most recently active first.
    await q.query(
      `CREATE INDEX chats_user_activity_idx ON chats (user_id, updated_at DESC, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        role varchar(10) NOT NULL CHECK (role IN ('user', 'assistant')),
        content text NOT NULL,
        status varchar(10) NOT NULL CHECK (status IN ('complete', 'error', 'cancelled')),
        prompt_tokens integer CHECK (prompt_tokens >= 0),
        completion_tokens integer CHECK (completion_tokens >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A chat's messages in order (seq breaks ties between equal timestamps).
    await q.query(
      `CREATE UNIQUE INDEX messages_chat_order_idx ON messages (chat_id, seq)`,
    );
    // One row per answer in progress; a row whose expires_at passed belongs to a dead process.
    await q.query(`
      CREATE TABLE stream_slots (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        slot integer NOT NULL CHECK (slot >= 1),
        id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, slot)
      )`);
    await q.query(`CREATE INDEX stream_slots_id_idx ON stream_slots (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stream_slots`);
    await q.query(`DROP TABLE messages`);
    await q.query(`DROP TABLE chats`);
  }
}
