import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin usage report sorted by tokens or messages: a page
 * walks usage_daily in (day, counter) order instead of sorting every user.
 * They also serve every lookup by day, so the plain day index goes.
 */
export class UsageReportIndexes1764330000000 implements MigrationInterface {
  name = 'UsageReportIndexes1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX usage_daily_day_tokens_idx ON usage_daily (day, tokens)`,
    );
    await q.query(
      `CREATE INDEX usage_daily_day_messages_idx ON usage_daily (day, messages)`,
    );
    await q.query(`DROP INDEX usage_daily_day_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX usage_daily_day_idx ON usage_daily (day)`);
    await q.query(`DROP INDEX usage_daily_day_messages_idx`);
    await q.query(`DROP INDEX usage_daily_day_tokens_idx`);
  }
}
