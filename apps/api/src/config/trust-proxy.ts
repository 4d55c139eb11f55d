import { isIP } from 'node:net';
import { ConfigError, type Env, str } from './env';

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY`: unset (the socket's address), a hop count, or a list of addresses, CIDRs and names. */
export function trustProxy(env: Env): false | number | string[] {
  const raw = str(env, 'TRUST_PROXY');
  if (raw === null || raw === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100)
      throw new ConfigError(
        'TRUST_PROXY',
        `must be at most 100 hops, got ${hops}`,
      );
    return hops === 0 ? false : hops;
  }
  const items = raw.split(',').map((x) => x.trim());
  for (const item of items) {
    if (PROXY_NAMES.includes(item)) continue;
    const [addr, bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > max))
    ) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be a hop count, or addresses, CIDRs and ${PROXY_NAMES.join(', ')} separated by commas; "${item}" is none of these`,
      );
    }
  }
  return items;
}
