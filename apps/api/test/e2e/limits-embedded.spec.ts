import { expectPoolAdmitsExactlyFive } from '../support/admin-limits';
import {
  LONG_REPLY,
  type QuotaHarness,
  startQuotaHarness,
} from '../support/quota';

/**
 * A group's shared pool on embedded PGlite, which has one session and no
 * isolation: the single reserve statement alone keeps it exact.
 */
describe('shared limits (PGlite, over HTTP)', () => {
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

  it('a shared pool of 5 messages admits exactly 5 of 30 concurrent sends by two members', () =>
    expectPoolAdmitsExactlyFive(h));
});
