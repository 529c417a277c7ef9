import { DayshiftError, ERROR_TABLE, type ErrorCode } from '../errors.js';

/** How long one request to a server may take before the verb gives up on it. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Where a verb sends its work instead of doing it here: `--server URL --token T`. */
export interface Remote {
  /** The server's origin and any path prefix, without a trailing slash. */
  base: string;
  token: string;
}

/**
 * The remote a verb was pointed at, or undefined to work against the store here. The token comes from
 * `--token`, else `$DAYSHIFT_TOKEN` (which keeps it out of the process list and shell history).
 */
export function remoteOf(options: { server?: string; token?: string }): Remote | undefined {
  if (options.server === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(options.server);
  } catch (error) {
    throw new DayshiftError('BAD_REQUEST', `--server "${options.server}" is not a URL`, {
      hint: 'give the address dayshift serve listens on, e.g. --server http://127.0.0.1:7070',
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DayshiftError('BAD_REQUEST', `--server "${options.server}" is not an http(s) URL`, {
      hint: 'e.g. --server https://dayshift.example.com',
    });
  const token = options.token ?? process.env.DAYSHIFT_TOKEN;
  if (!token)
    throw new DayshiftError('AUTH_REQUIRED', '--server needs an API token', {
      hint: 'give --token <token> or set $DAYSHIFT_TOKEN; create one with `dayshift token create --role operator --name <name>`',
    });
  return { base: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, token };
}

/**
 * One request to the server's API. A JSON answer is parsed (text for `accept: 'text'`); an error
 * answer becomes the DayshiftError it carries, so the verb exits with the code the server chose.
 */
export async function apiRequest(
  remote: Remote,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { body?: unknown; accept?: 'json' | 'text' } = {},
): Promise<unknown> {
  const url = `${remote.base}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${remote.token}`,
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DayshiftError('SERVER_UNREACHABLE', `no answer from ${remote.base}`, {
      hint: 'is `dayshift serve` running there? check --server',
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok) throw answerError(remote, response.status, text);
  if (options.accept === 'text') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DayshiftError('SERVER_UNREACHABLE', `${remote.base} answered something that is not JSON`, {
      hint: 'check that --server names a Dayshift server',
      cause: error,
    });
  }
}

function answerError(remote: Remote, status: number, text: string): DayshiftError {
  let body: { error?: { code?: string; message?: string; hint?: string } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const code = body?.error?.code;
  if (code && Object.hasOwn(ERROR_TABLE, code) && body?.error?.message)
    return new DayshiftError(code as ErrorCode, body.error.message, { hint: body.error.hint });
  return new DayshiftError('SERVER_UNREACHABLE', `${remote.base} answered ${status}`, {
    hint: 'check that --server names a Dayshift server',
  });
}
