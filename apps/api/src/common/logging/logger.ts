import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';

/** LOG_LEVEL (Nest's names) → pino's level. */
const LEVELS: Record<AppConfig['logLevel'], pino.Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

/**
 * Where a secret could sit in a logged object: credentials in headers, and
 * secret fields of a body at the top or one level down. The access line logs
 * neither headers nor bodies; this is the second lock on the door.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  ...[
    'password',
    'current_password',
    'new_password',
    'access_token',
    'token',
    'key',
    'api_key',
    'secret',
  ].flatMap((field) => [field, `*.${field}`, `req.body.${field}`]),
];

type PrettyFactory = (
  options: Record<string, unknown>,
) => (line: string) => string;

/**
 * pino-pretty, a development dependency, or null where it is not installed
 * (the production image). Loaded at run time so the build never bundles or
 * requires it.
 */
function loadPretty(): PrettyFactory | null {
  try {
    const load = createRequire(join(process.cwd(), 'index.js'));
    return (load('pino-pretty') as { prettyFactory: PrettyFactory })
      .prettyFactory;
  } catch {
    return null;
  }
}

/** Writes each JSON line as pino-pretty text, synchronously, in colour only on a terminal. */
function textStream(
  out: NodeJS.WriteStream,
  prettyFactory: PrettyFactory,
): DestinationStream {
  const format = prettyFactory({
    colorize: out.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    hideObject: false,
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}

/**
 * The process's one logger: JSON lines (LOG_FORMAT=json, the default in
 * production) or readable text for development, written to `out`
 * (standard output). Nest's Logger, the request logs and the access line
 * all go through it.
 */
export function createLogger(
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>,
  out: NodeJS.WriteStream = process.stdout,
): Logger {
  const options: pino.LoggerOptions = {
    level: LEVELS[config.logLevel],
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const pretty = config.logFormat === 'text' ? loadPretty() : null;
  const logger = pino(options, pretty ? textStream(out, pretty) : out);
  if (config.logFormat === 'text' && !pretty) {
    logger.warn(
      'LOG_FORMAT=text needs the development package pino-pretty, which is not installed: logging JSON lines',
    );
  }
  return logger;
}
