import { isIP } from 'node:net';
import path from 'node:path';
import { parseListen } from '../config/sections/platform.js';
import { DayshiftError } from '../errors.js';

/** Where the agent listens: a unix socket, or a loopback address and port. */
export type AgentAddress = { socketPath: string } | { host: string; port: number };

/**
 * `unix:/path/agent.sock` (relative to the stack file's folder), or `127.0.0.1:<port>` / `[::1]:<port>`
 * / `localhost:<port>`. Anything else is refused: whoever reaches the agent can restart services, so
 * it is never on a network interface.
 */
export function agentAddressOf(text: string, baseDir: string): AgentAddress {
  if (text.startsWith('unix:')) {
    const file = text.slice('unix:'.length);
    if (file === '') throw refused(text, 'the socket path is empty');
    return { socketPath: path.resolve(baseDir, file) };
  }
  const parsed = parseListen(text);
  if (!parsed) throw refused(text, 'it is neither unix:<path> nor host:port');
  const host = parsed.host === 'localhost' ? '127.0.0.1' : parsed.host;
  if (!isLoopback(host)) throw refused(text, `${host} is not a loopback address`);
  return { host, port: parsed.port };
}

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function refused(text: string, why: string): DayshiftError {
  return new DayshiftError('AGENT_LISTEN_REFUSED', `the agent will not listen on ${text}: ${why}`, {
    hint: 'give --listen unix:/run/dayshift/agent.sock, or 127.0.0.1:<port>: the agent acts on services for anyone who reaches it with the token, so it listens on this machine only',
  });
}
