import {
  expectCountersEqualCharged,
  expectOnlyTheMessagesLeftAdmitted,
  expectSmallTokenLimitNeverOverspent,
  LONG_REPLY,
  type QuotaHarness,
  startQuotaHarness,
} from '../support/quota';

/**
 * The same quota guarantees on embedded PGlite, which has one session and no
 * isolation: only single atomic statements keep them.
 */
describe('daily quotas (PGlite, over HTTP)', () => {
  let h: QuotaHarness;

  // Starting PGlite (WASM) and migrating it takes long on a loaded machine.
  beforeAll(async () => {
    h = await startQuotaHarness({ embedded: true });
  }, 180_000);
  afterAll(() => h?.close());
  beforeEach(() => {
    h.fake.reset();
    h.fake.reply = LONG_REPLY;
  });

  it('admits exactly 5 of 30 concurrent sends with 5 messages left', () =>
    expectOnlyTheMessagesLeftAdmitted(h, { limit: 5 }));

  it('never overspends a small token limit with 20 concurrent sends', () =>
    expectSmallTokenLimitNeverOverspent(h));

  it('keeps the counters equal to the charged messages', async () => {
    expect(await expectCountersEqualCharged(h)).toBeGreaterThanOrEqual(3);
  });
});
