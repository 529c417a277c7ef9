import { type Logger, pino } from 'pino';
import { scrubSecrets } from '../schema/secret.js';
import { textLine } from './text-lines.js';

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

/** How log records are written: JSON lines for machines, or lines for a person at a terminal. */
export type LogFormat = 'json' | { text: { colour: boolean } };

/**
 * JSON lines on stdout (or the given stream), or with `format: { text }` readable lines. Secrets are
 * removed twice: by field name, and by value for every Secret the config has wrapped, so a secret
 * pasted into an error message is scrubbed too; either format is written from the scrubbed record.
 */
export function createLogger(
  options: { level?: string; stream?: NodeJS.WritableStream; name?: string; format?: LogFormat } = {},
): Logger {
  const destination = options.stream ?? process.stdout;
  const format = options.format ?? 'json';
  const scrubbing = {
    write(line: string) {
      const scrubbed = scrubSecrets(line);
      destination.write(format === 'json' ? scrubbed : textLine(scrubbed, format.text.colour));
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
