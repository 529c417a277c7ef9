import { DeliveryError, type SendReceipt } from '../types.js';

/** How much of a receiver's error answer is kept, for `alerts show`. */
const ANSWER_CHARS = 300;

/**
 * POSTs a body and classifies the answer: 2xx is a receipt; 408, 429, 5xx and network errors are
 * retryable; any other 4xx is not (the URL, key or payload is wrong and retrying will not help). The
 * URL is never in a message: for Slack, Discord and Teams it is the credential.
 */
export async function post(
  url: string,
  body: string,
  options: { headers?: Record<string, string>; signal: AbortSignal; what: string },
): Promise<SendReceipt> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dayshift', ...options.headers },
      body,
      signal: options.signal,
      redirect: 'error',
    });
  } catch (error) {
    if (options.signal.aborted)
      throw new DeliveryError(`${options.what} did not answer in time`, { retryable: true, cause: error });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DeliveryError(
      `could not reach ${options.what}: ${cause?.code ?? cause?.message ?? 'network error'}`,
      { retryable: true, cause: error },
    );
  }
  const answer = (await response.text().catch(() => '')).slice(0, ANSWER_CHARS).replace(/\s+/g, ' ').trim();
  if (response.ok)
    return { status: response.status, ...(answer && answer !== '{}' ? { detail: answer } : {}) };
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new DeliveryError(`${options.what} answered ${response.status}${answer ? `: ${answer}` : ''}`, {
    retryable,
    status: response.status,
  });
}

/** Cuts text to `max` characters, saying so. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
