/** Reading one environment variable, with the error that names it. */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function str(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

export function int(
  env: Env,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!/^\d+$/.test(raw))
    throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  values: readonly T[],
  def: T,
): T {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(
      name,
      `must be one of ${values.join(', ')}, got "${raw}"`,
    );
  }
  return raw as T;
}

export function url(
  env: Env,
  name: string,
  protocols: string[],
): string | null {
  const raw = str(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  }
  return raw;
}

/** `3600`, `60s`, `15m`, `12h`, `7d` → seconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m)
    throw new ConfigError(
      name,
      `must be a duration such as 3600, 15m, 12h or 7d, got "${raw}"`,
    );
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[
    m[2] as '' | 's' | 'm' | 'h' | 'd'
  ];
  const seconds = n * unit;
  if (seconds < 1 || seconds > 365 * 86400)
    throw new ConfigError(name, 'must be between 1 second and 365 days');
  return seconds;
}
