import {
  type ArgumentMetadata,
  BadRequestException,
  ValidationPipe,
} from '@nestjs/common';

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
}
