import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;
export type LogLevel = Level | "silent";

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to read lines back. */
  destination?: DestinationStream;
  /** Extra fields on every line (version, instance id). */
  base?: Record<string, unknown>;
  /** Extra redaction paths (pino syntax), added to {@link REDACT_PATHS}. */
  redact?: readonly string[];
}

/**
 * Paths whose values never reach a log line. pino's `*` matches one level, so the common
 * nestings (top level, one object down, request headers) are listed.
 */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "password",
  "passwd",
  "secret",
  "token",
  "apiKey",
  "api_key",
  "accessToken",
  "refreshToken",
  "databaseUrl",
  "DATABASE_URL",
  "x-api-key",
  "set-cookie",
];
function pathsFor(key: string): string[] {
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  const seg = plain ? `.${key}` : `["${key}"]`;
  const top = plain ? key : `["${key}"]`;
  return [top, `*${seg}`, `headers${seg}`, `*.headers${seg}`, `*.*.headers${seg}`];
}
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap(pathsFor);

/** A JSON logger, one line per event, with the service name on every line and secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const opts = {
    level: options.level ?? "info",
    base: { service: options.service, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}
