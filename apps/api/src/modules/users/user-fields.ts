import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { LIMITS, ROLES } from '@tally/api-contract';
import { IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';

/**
 * The fields of a user in request bodies (register, login, admin create and
 * update), validated and documented the same everywhere. The OpenAPI
 * constraints are spelt out: the Swagger plugin only reads validators
 * written on the property itself.
 */

/** An email address of at most 254 characters; stored in lower case. */
export const EmailField = () =>
  applyDecorators(
    ApiProperty({
      format: 'email',
      maxLength: 254,
      example: 'ada@example.com',
    }),
    IsEmail({ require_tld: false }),
    MaxLength(254),
  );

/** A new password: 8 to 128 characters (optional: may be left out, not null). */
export const PasswordField = ({ optional = false } = {}) =>
  applyDecorators(
    ...(optional ? [IsOptionalNotNull()] : []),
    ApiProperty({
      required: !optional,
      minLength: LIMITS.passwordMin,
      maxLength: LIMITS.passwordMax,
      description: `${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.`,
    }),
    IsString(),
    MinLength(LIMITS.passwordMin),
    MaxLength(LIMITS.passwordMax),
  );

/** A display name: optional but not null, at most 100 characters. */
export const NameField = () =>
  applyDecorators(
    ApiProperty({ required: false, maxLength: 100, example: 'Ada Lovelace' }),
    IsOptionalNotNull(),
    IsString(),
    MaxLength(100),
  );

/** A role: optional but not null. */
export const RoleField = (defaultRole?: string) =>
  applyDecorators(
    ApiProperty({
      enum: ROLES,
      required: false,
      ...(defaultRole ? { default: defaultRole } : {}),
    }),
    IsOptionalNotNull(),
    IsIn(ROLES),
  );
