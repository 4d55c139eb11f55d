/** What a verified access token says; only `exp` and `nbf` are looked at here. */
interface Claims {
  exp?: number;
  nbf?: number;
}

/**
 * Access tokens whose signature was already checked, by their text, so each
 * is verified (HMAC, base64 and JSON parse) once rather than on every
 * request. A token's text decides its signature check for good; its time
 * claims are checked again on every use, as jsonwebtoken checks them (no
 * clock tolerance): expired from the second `exp`. Only tokens with an `exp`
 * and without an `nbf` are kept. Who the token names is not kept: the user
 * is still read on every request. At most `max` tokens; then it starts over.
 */
export class VerifiedTokens<T extends Claims> {
  private readonly payloads = new Map<string, T>();

  constructor(
    private readonly verify: (token: string) => Promise<T>,
    private readonly max = 10_000,
    private readonly nowSeconds = () => Math.floor(Date.now() / 1000),
  ) {}

  /** The token's payload, or null when its signature, algorithm or time claims do not hold. */
  async payload(token: string): Promise<T | null> {
    const known = this.payloads.get(token);
    if (known) {
      if (this.nowSeconds() < (known.exp as number)) return known;
      this.payloads.delete(token);
      return null;
    }
    let payload: T;
    try {
      payload = await this.verify(token);
    } catch {
      return null;
    }
    if (typeof payload.exp === 'number' && payload.nbf === undefined) {
      if (this.payloads.size >= this.max) this.payloads.clear();
      this.payloads.set(token, Object.freeze(payload));
    }
    return payload;
  }
}
