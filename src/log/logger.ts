import { type Logger, pino } from 'pino';
import { scrubSecrets } from '../schema/secret.js';

export type { Logger };

/** Field names whose values are always hidden, wherever they appear in a log record. */
const REDACT_PATHS = [
  'password',
  'token',
  'authorization',
  'secret',
  '*.password',
  '*.token',
  '*.authorization',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * JSON lines on stdout (or the given stream). Secrets are removed twice: by field name, and by value
 * for every Secret the config has wrapped, so a secret pasted into an error message is scrubbed too.
 */
export function createLogger(
  options: { level?: string; stream?: NodeJS.WritableStream; name?: string } = {},
): Logger {
  const destination = options.stream ?? process.stdout;
  const scrubbing = {
    write(line: string) {
      destination.write(scrubSecrets(line));
    },
  };
  return pino(
    {
      level: options.level ?? process.env.DAYSHIFT_LOG_LEVEL ?? 'info',
      base: { name: options.name ?? 'dayshift' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    scrubbing,
  );
}

/** A logger that writes nothing; for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
