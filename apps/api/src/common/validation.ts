import {
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

/** Whether `tz` names an IANA time zone this runtime knows. */
export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `Intl.supportedValuesOf` (ES2022; this project's lib setting predates it). */
const supportedTimeZones = (
  Intl as unknown as { supportedValuesOf(key: 'timeZone'): string[] }
).supportedValuesOf('timeZone');

const LISTED_TIME_ZONES = new Map(
  supportedTimeZones.map((tz) => [tz.toLowerCase(), tz]),
);

/**
 * A valid time zone name in its canonical spelling: `utc` → `UTC`,
 * `europe/moscow` → `Europe/Moscow`. A correctly spelled alias is kept as
 * typed (`Asia/Kolkata`, `Etc/UTC`); an alias typed in one case
 * (`asia/kolkata`) becomes the runtime's name for that zone. Anything that is
 * not a time zone comes back unchanged, for the validator to refuse.
 */
export function canonicalTimeZone(tz: unknown): unknown {
  if (!isTimeZone(tz)) return tz;
  const resolved = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
  }).resolvedOptions().timeZone;
  const lower = tz.toLowerCase();
  if (resolved.toLowerCase() === lower) return resolved;
  const listed = LISTED_TIME_ZONES.get(lower);
  if (listed) return listed;
  return tz === lower || tz === tz.toUpperCase() ? resolved : tz;
}

@ValidatorConstraint({ name: 'isTimeZone' })
export class IsTimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isTimeZone(value);
  }
  defaultMessage(): string {
    return '$property must be a valid IANA time zone name, such as UTC or Europe/Moscow';
  }
}

/**
 * Optional, but not nullable: absent is fine, `null` is validated (and so
 * refused by the type checks that follow). class-validator's @IsOptional
 * would let `null` through.
 */
export const IsOptionalNotNull = () =>
  ValidateIf((_obj: object, value: unknown) => value !== undefined);

/** `@Transform(trimmed)`: a string without its leading and trailing whitespace; anything else as it is. */
export const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/**
 * `@Transform(wholeNumber)` for a query parameter: decimal digits become a
 * number; anything else (`0x10`, `1e3`, ` 5`, a repeated parameter) stays as
 * it is, for `@IsInt()` to refuse.
 */
export const wholeNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^[0-9]{1,16}$/.test(value)
    ? Number(value)
    : value;

/** Whether `value` is an absolute `http:` or `https:` URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== ''
    );
  } catch {
    return false;
  }
}

@ValidatorConstraint({ name: 'isHttpUrl' })
export class IsHttpUrlConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isHttpUrl(value);
  }
  defaultMessage(): string {
    return '$property must be an http or https URL';
  }
}

/**
 * Whether an URL carries user information (`user:pass@host`): as the URL
 * parser that sends requests reads it, or as a looser one might (an `@`
 * before the path).
 */
export function hasUserInfo(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.username !== '' || url.password !== '') return true;
  } catch {
    // Not an URL to this parser; the authority below still decides.
  }
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\\]*)/i.exec(value)?.[1];
  return authority?.includes('@') ?? false;
}

/**
 * An outbound URL without user information: credentials in an URL end up in
 * logs and in the hands of whoever it redirects to; providers take an API
 * key, and webhooks a signing secret, instead.
 */
@ValidatorConstraint({ name: 'noUserInfo' })
export class NoUserInfoConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || !hasUserInfo(value);
  }
  defaultMessage(): string {
    return '$property must not contain a user name or password (user:pass@)';
  }
}
