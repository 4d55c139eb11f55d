import {
  type ArgumentMetadata,
  BadRequestException,
  type Type,
  ValidationPipe,
} from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';

/**
 * Keys every plain object inherits (`__proto__`, `constructor`,
 * `toString`, ...). class-validator's whitelist looks them up in a plain
 * object and so takes them for declared fields: they are checked here.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Problems class-validator does not see, at any depth: text with a NUL
 * character (PostgreSQL cannot store it, so it would fail as a server
 * error later) and inherited keys.
 */
function inputProblems(value: unknown, name: string | undefined): string[] {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? [`${name ?? 'value'} must not contain NUL characters`]
      : [];
  }
  if (Array.isArray(value))
    return value.flatMap((item) => inputProblems(item, name));
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) =>
    INHERITED.has(key)
      ? [`property ${key} should not exist`]
      : inputProblems(
          (value as Record<string, unknown>)[key],
          name ? `${name}.${key}` : key,
        ),
  );
}

/** Types the pipe leaves as they are (not DTO classes). */
const BUILT_IN = new Set<unknown>([
  String,
  Boolean,
  Number,
  Array,
  Object,
  Buffer,
  Date,
]);

function messagesOf(err: BadRequestException): string[] {
  const { message } = err.getResponse() as { message?: unknown };
  return Array.isArray(message) ? message.map(String) : [String(message)];
}

/**
 * The validation of every body, query and route parameter (create-app.ts,
 * and QuotaGuard, which validates before the pipes run): unknown fields and
 * wrong types are 400 with every problem listed, and so are text with a NUL
 * character and inherited keys such as `__proto__`.
 */
export class AppValidationPipe extends ValidationPipe {
  /**
   * Per query DTO: whether an empty query string is valid and transforms to
   * nothing but a new instance. Most queries are empty (an open chat polls
   * its quota without parameters), and class-transformer and
   * class-validator cost more than the rest of the pipe for them.
   */
  private readonly emptyQuery = new WeakMap<Type<unknown>, boolean>();

  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      stopAtFirstError: false,
    });
  }

  override async transform(
    value: unknown,
    metadata: ArgumentMetadata,
  ): Promise<unknown> {
    if (metadata.type === 'custom') return super.transform(value, metadata);
    const dto = metadata.metatype;
    if (
      metadata.type === 'query' &&
      dto &&
      !BUILT_IN.has(dto) &&
      isEmptyObject(value)
    ) {
      let plain = this.emptyQuery.get(dto);
      if (plain === undefined) {
        plain = await this.emptyIsPlain(dto, metadata);
        this.emptyQuery.set(dto, plain);
      }
      if (plain) return new dto();
    }
    const problems = inputProblems(value, metadata.data);
    if (problems.length === 0) return super.transform(value, metadata);
    let others: string[] = [];
    try {
      await super.transform(value, metadata);
    } catch (err) {
      if (!(err instanceof BadRequestException)) throw err;
      others = messagesOf(err);
    }
    throw new BadRequestException([...problems, ...others]);
  }

  /** Whether `{}` passes as `dto` and becomes what `new dto()` is. */
  private async emptyIsPlain(
    dto: Type<unknown>,
    metadata: ArgumentMetadata,
  ): Promise<boolean> {
    try {
      const made = await super.transform({}, metadata);
      return (
        made instanceof dto &&
        isDeepStrictEqual({ ...(made as object) }, { ...(new dto() as object) })
      );
    } catch {
      return false;
    }
  }
}

/** A plain object without a key (Express's parsed empty query string). */
function isEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    (proto === null || proto === Object.prototype) &&
    Object.getOwnPropertyNames(value).length === 0
  );
}
