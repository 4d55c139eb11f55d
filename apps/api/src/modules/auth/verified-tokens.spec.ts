import { JwtService } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { VerifiedTokens } from './verified-tokens';

interface Payload {
  sub: string;
  exp?: number;
  nbf?: number;
}

describe('VerifiedTokens', () => {
  const jwt = new JwtService({
    secret: createSecretKey(Buffer.from('k'.repeat(32), 'utf8')),
    verifyOptions: { algorithms: ['HS256'] },
  });
  let now = 1_000_000;
  let verified = 0;
  const make = (max = 10) =>
    new VerifiedTokens<Payload>(
      (token) => {
        verified++;
        return jwt.verifyAsync<Payload>(token, { clockTimestamp: now });
      },
      max,
      () => now,
    );
  const sign = (claims: Record<string, unknown>) =>
    jwt.signAsync({ sub: 'u1', ...claims }, { algorithm: 'HS256' });

  beforeEach(() => {
    now = 1_000_000;
    verified = 0;
  });

  it('verifies a token once, then checks only its expiry, to the second as jsonwebtoken does', async () => {
    const tokens = make();
    const token = await sign({ exp: now + 60 });
    expect(await tokens.payload(token)).toMatchObject({ sub: 'u1' });
    expect(await tokens.payload(token)).toMatchObject({ sub: 'u1' });
    expect(verified).toBe(1);
    now += 59;
    expect(await tokens.payload(token)).toMatchObject({ sub: 'u1' });
    now += 1;
    expect(await tokens.payload(token)).toBeNull();
    // Once expired it is forgotten: jsonwebtoken says no too.
    expect(await tokens.payload(token)).toBeNull();
    expect(verified).toBe(2);
  });

  it('keeps nothing it could not verify', async () => {
    const tokens = make();
    const token = await sign({ exp: now + 60 });
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(await tokens.payload(forged)).toBeNull();
    expect(await tokens.payload(forged)).toBeNull();
    expect(verified).toBe(2);
    const other = new JwtService({
      secret: createSecretKey(Buffer.from('o'.repeat(32), 'utf8')),
    });
    const foreign = await other.signAsync({ sub: 'u1', exp: now + 60 });
    expect(await tokens.payload(foreign)).toBeNull();
  });

  it('verifies every time a token without exp, or with nbf', async () => {
    const tokens = make();
    const forever = await sign({});
    const later = await sign({ exp: now + 60, nbf: now + 30 });
    for (let i = 0; i < 2; i++) {
      expect(await tokens.payload(forever)).toMatchObject({ sub: 'u1' });
      expect(await tokens.payload(later)).toBeNull();
    }
    expect(verified).toBe(4);
    now += 30;
    expect(await tokens.payload(later)).toMatchObject({ sub: 'u1' });
  });

  it('holds at most max tokens', async () => {
    const tokens = make(2);
    const all = await Promise.all(
      [1, 2, 3].map((i) => sign({ exp: now + 60, n: i })),
    );
    for (const token of all) await tokens.payload(token);
    verified = 0;
    // The third started over: only it is still known.
    await tokens.payload(all[2]);
    expect(verified).toBe(0);
    await tokens.payload(all[0]);
    expect(verified).toBe(1);
  });
});
