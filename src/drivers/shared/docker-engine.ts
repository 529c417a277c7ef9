import type Docker from 'dockerode';
import { DayshiftError } from '../../errors.js';
import { scrubSecrets } from '../../schema/secret.js';
import { loadDocker } from '../../util/client-libraries.js';
import type { ActionOptions } from '../types.js';

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Errors of a socket nobody answers on: no file, nobody listening, no permission, a host that is gone. */
const UNREACHABLE = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** The Engine API client, and where it points, for messages. */
export interface Engine {
  docker: Docker;
  where: string;
}

/**
 * The Engine at `socket` (a path or unix:///path); without one, $DOCKER_HOST as the docker CLI reads
 * it, else /var/run/docker.sock. dockerode is loaded here, on first use, not when the stack file is read.
 */
export async function openEngine(socket: string | undefined): Promise<Engine> {
  const Docker = await loadDocker();
  if (socket !== undefined) {
    const socketPath = socket.replace(/^unix:\/\//, '');
    return { docker: new Docker({ socketPath }), where: socketPath };
  }
  // docker-modem reads DOCKER_HOST (unix://, tcp://, with DOCKER_TLS_VERIFY) itself when given no socket.
  if (process.env.DOCKER_HOST) return { docker: new Docker(), where: process.env.DOCKER_HOST };
  return { docker: new Docker({ socketPath: DEFAULT_SOCKET }), where: DEFAULT_SOCKET };
}

/** The Engine does not answer: its own code (exit 3), with how to start it or point at the right one. */
export function dockerUnreachable(where: string, detail: string, cause?: unknown): DayshiftError {
  return new DayshiftError('DOCKER_UNREACHABLE', `the Docker Engine at ${where} does not answer: ${detail}`, {
    hint:
      'start the Docker daemon (`systemctl start docker`, or `dockerd` by hand) and check that Dayshift may use its socket, ' +
      "or point the driver's `socket:` (or $DOCKER_HOST) at the Engine that runs the service",
    cause,
  });
}

/** The HTTP status of an Engine API error (404 no such container, 304 already so), if it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * One Engine API call, bounded by the action's timeout and signal: the signal goes to dockerode, and the
 * call is raced with it too, so a request the Engine never answers still ends. An unreachable Engine is
 * `DOCKER_UNREACHABLE`; an abort or timeout is `SERVICE_ACTION_FAILED` saying which. Other errors are
 * thrown as they are, for the caller to word (a 404 may be an answer, not a failure).
 */
export async function engineCall<T>(
  engine: Engine,
  options: ActionOptions,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const ended = (cause?: unknown) =>
    new DayshiftError(
      'SERVICE_ACTION_FAILED',
      timeout.aborted
        ? `${what} was stopped at its timeout (${options.timeoutMs} ms)`
        : `${what} was stopped before it finished`,
      { hint: 'the Docker Engine may be busy; try again, or give the action more time', cause },
    );
  if (signal.aborted) throw ended();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(ended());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = call(signal);
  // Whichever loses the race must not become an unhandled rejection.
  running.catch(() => {});
  aborted.catch(() => {});
  try {
    return await Promise.race([running, aborted]);
  } catch (error) {
    if (error instanceof DayshiftError) throw error;
    if (signal.aborted) throw ended(error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && UNREACHABLE.has(code))
      throw dockerUnreachable(engine.where, messageOf(error), error);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** An Engine error's words, secrets scrubbed (an error may quote what it was sent). */
export function messageOf(error: unknown): string {
  return scrubSecrets(error instanceof Error ? error.message : String(error)).trim();
}
