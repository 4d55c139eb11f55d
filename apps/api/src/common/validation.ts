import {
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

@ValidatorConstraint({ name: 'isTimeZone' })
export class IsTimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isTimeZone(value);
  }
  defaultMessage(): string {
    return '$property must be a valid IANA time zone name, such as UTC or Europe/Moscow';
  }
}

import { ValidateIf } from 'class-validator';

/**
 * Optional, but not nullable: absent is fine, `null` is validated (and so
 * refused by the type checks that follow). class-validator's @IsOptional
 * would let `null` through.
 */
export const IsOptionalNotNull = () =>
  ValidateIf((_obj: object, value: unknown) => value !== undefined);
