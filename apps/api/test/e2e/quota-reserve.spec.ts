import type { Quota } from '@tally/api-contract';
import { LimitsService } from '../../src/modules/usage/limits.service';
import { ApiError } from '../../src/common/api-error';
import { DatabaseService } from '../../src/database/database.service';
import { SettingsService } from '../../src/modules/settings/settings.service';
import { Clock } from '../../src/modules/usage/clock';
import { AdmissionService } from '../../src/modules/usage/admission.service';
import type { Charge, Lease } from '../../src/modules/usage/lease';
import { UsageService } from '../../src/modules/usage/usage.service';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The usage layer driven directly through the app's DI (many promises at
 * once), on PostgreSQL and on PGlite: admission leases, whose reserve,
 * settle and reap statements must be atomic on their own, without locks or
 * isolation.
 */
describe.each([
  ['PostgreSQL', false],
  ['PGlite', true],
])('quota reservations on %s', (_name, embedded) => {
  let t: TestApp;
  let usage: UsageService;
  let admission: AdmissionService;
  let db: DatabaseService;
  let clock: Clock;
  const NOW = Date.parse('2026-06-15T12:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp({ embedded });
    usage = t.app.get(UsageService);
    admission = t.app.get(AdmissionService);
    db = t.app.get(DatabaseService);
    clock = t.app.get(Clock);
    clock.now = () => NOW;
  });
  afterAll(() => t?.close());

  async function user(
    messages: number | null,
    tokens: number | null,
  ): Promise<string> {
    const { id } = await t.register();
    const limits = t.app.get(LimitsService);
    await limits.setUserDaily(id, 'messages', messages);
    await limits.setUserDaily(id, 'tokens', tokens);
    return id;
  }

  async function counters(userId: string) {
    const rows = await db.query<Record<string, number>>(
      `SELECT messages::int AS messages, held_messages::int AS held_messages,
              tokens::int AS tokens, held_tokens::int AS held_tokens
       FROM usage_counters WHERE scope = 'u:' || $1 || ':day:*' AND period_start = '2026-06-15'`,
      [userId],
    );
    return rows[0] ?? null;
  }

  async function holds(userId: string): Promise<number> {
    const [r] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM usage_holds WHERE user_id = $1',
      [userId],
    );
    return r.n;
  }

  /** Admits a send (streams are not what these tests count). */
  const reserve = (
    userId: string,
    promptTokens: number,
    maxOutputTokens: number,
  ) =>
    admission.admit({
      userId,
      model: null,
      promptTokens,
      maxOutputTokens,
      maxStreams: 100,
    });
  /** Settles a lease; resolves to the quota after. */
  const settle = async (lease: Lease, charge: Charge) =>
    (await lease.settle(charge)).quota;

  function codeOf(err: unknown): string {
    if (err instanceof ApiError) return err.code;
    throw err;
  }

  it('admits exactly 5 of 30 concurrent sends with 5 messages left', async () => {
    const id = await user(5, 1_000_000);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => reserve(id, 10, 100)),
    );
    const admitted = results.filter(
      (r) => r.status === 'fulfilled',
    ) as PromiseFulfilledResult<Lease>[];
    const refused = results.filter(
      (r) => r.status === 'rejected',
    ) as PromiseRejectedResult[];
    expect(admitted).toHaveLength(5);
    expect(refused.map((r) => codeOf(r.reason))).toEqual(
      Array(25).fill('QUOTA_MESSAGES_EXCEEDED'),
    );
    expect(await counters(id)).toEqual({
      messages: 0,
      held_messages: 5,
      tokens: 0,
      held_tokens: 5 * 110,
    });
    expect(await holds(id)).toBe(5);

    for (const r of admitted) {
      await settle(r.value, {
        promptTokens: 10,
        completionTokens: 30,
        charged: true,
      });
    }
    expect(await counters(id)).toEqual({
      messages: 5,
      held_messages: 0,
      tokens: 5 * 40,
      held_tokens: 0,
    });
    expect(await holds(id)).toBe(0);
    const q = await usage.getQuota(id);
    expect(q.messages).toEqual({ used: 5, limit: 5, remaining: 0 });
    expect(q.tokens).toEqual({
      used: 200,
      limit: 1_000_000,
      remaining: 1_000_000 - 200,
    });
  });

  it('refuses with the quota and RateLimit headers in the 429', async () => {
    const id = await user(1, 500);
    const r = await reserve(id, 10, 50);
    await settle(r, {
      promptTokens: 10,
      completionTokens: 20,
      charged: true,
    });
    const err = await reserve(id, 10, 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.getStatus()).toBe(429);
    expect(e.code).toBe('QUOTA_MESSAGES_EXCEEDED');
    const quota = {
      messages: { used: 1, limit: 1, remaining: 0 },
      tokens: { used: 30, limit: 500, remaining: 470 },
      resets_at: '2026-06-16T00:00:00.000Z',
      timezone: 'UTC',
      limits: [
        expect.objectContaining({
          subject: 'user',
          metric: 'messages',
          used: 1,
          limit: 1,
        }),
        expect.objectContaining({
          subject: 'user',
          metric: 'tokens',
          used: 30,
          limit: 500,
        }),
      ],
    };
    expect(e.extra).toEqual({
      quota,
      limit: expect.objectContaining({
        subject_id: id,
        metric: 'messages',
        window: 'day',
      }),
    });
    expect(e.headers).toEqual({
      'Retry-After': '43200',
      'RateLimit-Policy':
        '"daily-messages";q=1;w=86400, "daily-tokens";q=500;w=86400',
      RateLimit: '"daily-messages";r=0;t=43200, "daily-tokens";r=470;t=43200',
    });
    expect(usage.rateLimitHeaders(e.extra.quota as Quota)).toEqual({
      'RateLimit-Policy':
        '"daily-messages";q=1;w=86400, "daily-tokens";q=500;w=86400',
      RateLimit: '"daily-messages";r=0;t=43200, "daily-tokens";r=470;t=43200',
    });
    expect(await counters(id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: 30,
      held_tokens: 0,
    });
  });

  it('never overspends a small token limit with 20 concurrent sends, and caps the output', async () => {
    // 1000 tokens, prompt 100, output up to 300: holds of 400, 400, then 100 + 100; then nothing is left.
    const id = await user(100, 1000);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => reserve(id, 100, 300)),
    );
    const admitted = results.filter(
      (r) => r.status === 'fulfilled',
    ) as PromiseFulfilledResult<Lease>[];
    expect(
      admitted.map((r) => r.value.outputCap).sort((a, b) => a - b),
    ).toEqual([100, 300, 300]);
    const refused = results.filter(
      (r) => r.status === 'rejected',
    ) as PromiseRejectedResult[];
    expect(refused.map((r) => codeOf(r.reason))).toEqual(
      Array(17).fill('QUOTA_TOKENS_EXCEEDED'),
    );
    expect(await counters(id)).toEqual({
      messages: 0,
      held_messages: 3,
      tokens: 0,
      held_tokens: 1000,
    });

    // Answers use all they may: still exactly the limit.
    for (const r of admitted) {
      await settle(r.value, {
        promptTokens: 100,
        completionTokens: r.value.outputCap,
        charged: true,
      });
    }
    expect(await counters(id)).toEqual({
      messages: 3,
      held_messages: 0,
      tokens: 1000,
      held_tokens: 0,
    });
    const q = await usage.getQuota(id);
    expect(q.tokens).toEqual({ used: 1000, limit: 1000, remaining: 0 });
    await expect(reserve(id, 1, 300)).rejects.toMatchObject({
      code: 'QUOTA_TOKENS_EXCEEDED',
    });
  });

  it('refuses when what is left is not more than the prompt; 0 blocks', async () => {
    const id = await user(10, 200);
    await expect(reserve(id, 200, 50)).rejects.toMatchObject({
      code: 'QUOTA_TOKENS_EXCEEDED',
    });
    const r = await reserve(id, 199, 50);
    expect(r.outputCap).toBe(1);
    expect(r.quota.tokens).toEqual({ used: 0, limit: 200, remaining: 0 });
    expect(r.quota.messages).toEqual({ used: 1, limit: 10, remaining: 9 });

    const blockedMessages = await user(0, 1000);
    await expect(reserve(blockedMessages, 1, 50)).rejects.toMatchObject({
      code: 'QUOTA_MESSAGES_EXCEEDED',
    });
    const blockedTokens = await user(10, 0);
    await expect(reserve(blockedTokens, 0, 50)).rejects.toMatchObject({
      code: 'QUOTA_TOKENS_EXCEEDED',
    });
    for (const blocked of [blockedMessages, blockedTokens])
      expect(await counters(blocked)).toEqual({
        messages: 0,
        held_messages: 0,
        tokens: 0,
        held_tokens: 0,
      });
  });

  it('never charges more than the hold: the prompt past its estimate and the completion past its cap are not charged', async () => {
    const id = await user(3, 10_000);
    const lease = await reserve(id, 50, 100);
    expect(lease.bound({ promptTokens: 80, completionTokens: 400 })).toEqual({
      promptTokens: 50,
      completionTokens: 100,
    });
    const q = await settle(lease, {
      promptTokens: 80,
      completionTokens: 400,
      charged: true,
      cost: 10 ** 9,
    });
    expect(q.tokens.used).toBe(150);
    expect(await counters(id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: 150,
      held_tokens: 0,
    });
  });

  it('settles once: later settles change nothing; not charged gives the message back', async () => {
    const id = await user(3, 10_000);
    const a = await reserve(id, 50, 100);
    const b = await reserve(id, 50, 100);
    const [q1, q2] = await Promise.all([
      settle(a, {
        promptTokens: 40,
        completionTokens: 60,
        charged: true,
      }),
      settle(a, {
        promptTokens: 40,
        completionTokens: 60,
        charged: true,
      }),
    ]);
    await settle(a, {
      promptTokens: 999,
      completionTokens: 999,
      charged: true,
    });
    expect(q1.tokens.used).toBe(100);
    expect(q2.tokens.used).toBe(100);
    expect(await counters(id)).toEqual({
      messages: 1,
      held_messages: 1,
      tokens: 100,
      held_tokens: 150,
    });

    const q = await settle(b, {
      promptTokens: 40,
      completionTokens: 0,
      charged: false,
    });
    await settle(b, {
      promptTokens: 40,
      completionTokens: 10,
      charged: true,
    });
    expect(await counters(id)).toEqual({
      messages: 1,
      held_messages: 0,
      tokens: 100,
      held_tokens: 0,
    });
    expect(q.messages).toEqual({ used: 1, limit: 3, remaining: 2 });
    expect(q.tokens).toEqual({ used: 100, limit: 10_000, remaining: 9_900 });
  });

  it('releases the holds of a process that died once they expire, and a late settle still charges', async () => {
    const id = await user(2, 1000);
    const alive = await reserve(id, 100, 100);
    const dead = await reserve(id, 100, 100);
    await expect(reserve(id, 1, 1)).rejects.toMatchObject({
      code: 'QUOTA_MESSAGES_EXCEEDED',
    });

    // Not expired yet: nothing to reap.
    expect(await admission.reapExpired()).toBe(0);
    // A process that stopped renewing: its hold expired.
    await db.query(
      `UPDATE usage_holds SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [dead.holdId],
    );
    expect(await admission.reapExpired()).toBe(1);
    expect(await admission.reapExpired()).toBe(0);
    expect(await counters(id)).toEqual({
      messages: 0,
      held_messages: 1,
      tokens: 0,
      held_tokens: 200,
    });
    expect((await usage.getQuota(id)).messages.remaining).toBe(1);

    // The heartbeat renews live holds: the other one is not released.
    await db.query(
      `UPDATE usage_holds SET expires_at = now() + interval '1 second' WHERE id = $1`,
      [alive.holdId],
    );
    await admission.heartbeat();
    const [{ ttl }] = await db.query<{ ttl: number }>(
      `SELECT extract(epoch FROM expires_at - now())::int AS ttl FROM usage_holds WHERE id = $1`,
      [alive.holdId],
    );
    expect(ttl).toBeGreaterThan(100);
    expect(await counters(id)).toEqual({
      messages: 0,
      held_messages: 1,
      tokens: 0,
      held_tokens: 200,
    });

    // The released send's answer did end after all: its usage is charged, its hold not released twice.
    await settle(dead, {
      promptTokens: 100,
      completionTokens: 20,
      charged: true,
    });
    expect(await counters(id)).toEqual({
      messages: 1,
      held_messages: 1,
      tokens: 120,
      held_tokens: 200,
    });
    await settle(alive, {
      promptTokens: 100,
      completionTokens: 30,
      charged: true,
    });
    expect(await counters(id)).toEqual({
      messages: 2,
      held_messages: 0,
      tokens: 250,
      held_tokens: 0,
    });
    expect(await holds(id)).toBe(0);
  });

  it('forgets released holds after a day', async () => {
    const id = await user(5, 1000);
    const r = await reserve(id, 10, 10);
    await db.query(
      `UPDATE usage_holds SET expires_at = now() - interval '2 days', released_at = now() - interval '25 hours' WHERE id = $1`,
      [r.holdId],
    );
    expect(await holds(id)).toBe(1);
    await admission.reapExpired();
    expect(await holds(id)).toBe(0);
  });

  it('charges the day the clock says, in quota_timezone', async () => {
    const id = await user(5, 1000);
    const settings = t.app.get(SettingsService);
    await settings.update({ quota_timezone: 'America/New_York' });
    try {
      // 2026-03-09 03:30 UTC is still 2026-03-08 (23:30 EDT) in New York; the day ends at 04:00 UTC.
      clock.now = () => Date.parse('2026-03-09T03:30:00.000Z');
      const r = await reserve(id, 10, 10);
      expect(r.day).toBe('2026-03-08');
      expect(r.quota.resets_at).toBe('2026-03-09T04:00:00.000Z');
      expect(r.quota.timezone).toBe('America/New_York');
      expect(usage.rateLimitHeaders(r.quota).RateLimit).toBe(
        '"daily-messages";r=4;t=1800, "daily-tokens";r=980;t=1800',
      );
      // Settled after midnight: charged to the day it was admitted on.
      clock.now = () => Date.parse('2026-03-09T04:00:00.000Z');
      const q = await settle(r, {
        promptTokens: 10,
        completionTokens: 5,
        charged: true,
      });
      expect(q.messages.used).toBe(0);
      expect(q.resets_at).toBe('2026-03-10T04:00:00.000Z');
      const rows = await db.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, messages, tokens FROM usage_daily WHERE user_id = $1`,
        [id],
      );
      expect(rows).toEqual([{ day: '2026-03-08', messages: 1, tokens: 15 }]);
    } finally {
      await settings.update({ quota_timezone: 'UTC' });
      clock.now = () => NOW;
    }
  });
});
