import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { VerifiedTokens } from './verified-tokens';

interface Payload {
  sub: string;
  n: number;
  exp?: number;
}

/**
 * The cache as AuthService builds it (its default bound, 10,000 tokens),
 * filled past that bound with real signed tokens.
 */
describe('VerifiedTokens at its default bound', () => {
  const jwt = new JwtService({
    secret: createSecretKey(Buffer.from('b'.repeat(32), 'utf8')),
    verifyOptions: { algorithms: ['HS256'] },
  });
  const BOUND = 10_000;
  let now = 2_000_000;
  let verified = 0;
  const tokens = new VerifiedTokens<Payload>(
    (token) => {
      verified++;
      return jwt.verifyAsync<Payload>(token, { clockTimestamp: now });
    },
    undefined,
    () => now,
  );
  /** The cache's own map: how many tokens it holds. */
  const held = () =>
    (tokens as unknown as { payloads: Map<string, Payload> }).payloads.size;
  // Signing is synchronous under the hood; 10,001 tokens take well under a second.
  const signed = Array.from({ length: BOUND + 1 }, (_, n) =>
    jwt.sign({ sub: `u${n}`, n, exp: now + 3600 }, { algorithm: 'HS256' }),
  );

  it('never holds more than 10,000 tokens, and every one still verifies', async () => {
    for (const token of signed.slice(0, BOUND)) {
      expect(await tokens.payload(token)).not.toBeNull();
    }
    expect(held()).toBe(BOUND);
    expect(verified).toBe(BOUND);

    // Full: a second use of any of them costs no verification.
    verified = 0;
    expect(await tokens.payload(signed[0])).toMatchObject({ sub: 'u0', n: 0 });
    expect(await tokens.payload(signed[BOUND - 1])).toMatchObject({
      n: BOUND - 1,
    });
    expect(verified).toBe(0);

    // One more: the bound holds.
    expect(await tokens.payload(signed[BOUND])).toMatchObject({ n: BOUND });
    expect(held()).toBeLessThanOrEqual(BOUND);
    expect(verified).toBe(1);

    // Evicted tokens are verified again, and are right (each its own payload).
    verified = 0;
    for (const n of [0, 1, 4_999, BOUND - 1]) {
      expect(await tokens.payload(signed[n])).toMatchObject({
        sub: `u${n}`,
        n,
      });
    }
    expect(verified).toBe(4);
    expect(held()).toBeLessThanOrEqual(BOUND);

    // Filled again from where it stands: still bounded.
    for (const token of signed) await tokens.payload(token);
    expect(held()).toBeLessThanOrEqual(BOUND);
  });

  it('refuses a cached token once past exp, and a tampered one, even when full', async () => {
    // Whatever the previous test left, fill it to the bound.
    for (const token of signed.slice(0, BOUND)) await tokens.payload(token);
    const cachedOne = signed[BOUND - 1];
    verified = 0;
    expect(await tokens.payload(cachedOne)).not.toBeNull();
    expect(verified).toBe(0);

    // A tampered copy of a cached token: another text, so verified, and refused.
    const [head, body, sig] = cachedOne.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forgedBody = Buffer.from(
      JSON.stringify({ ...claims, sub: 'admin' }),
    ).toString('base64url');
    expect(await tokens.payload(`${head}.${forgedBody}.${sig}`)).toBeNull();
    const flipped = sig.endsWith('A') ? 'B' : 'A';
    expect(
      await tokens.payload(`${head}.${body}.${sig.slice(0, -1)}${flipped}`),
    ).toBeNull();
    expect(verified).toBe(2);
    expect(held()).toBeLessThanOrEqual(BOUND);

    // Past exp: refused although it sits in the cache, without a verification.
    now += 3600;
    verified = 0;
    expect(await tokens.payload(cachedOne)).toBeNull();
    expect(await tokens.payload(signed[0])).toBeNull();
    expect(await tokens.payload(cachedOne)).toBeNull();
    expect(held()).toBeLessThanOrEqual(BOUND);
  });
});
