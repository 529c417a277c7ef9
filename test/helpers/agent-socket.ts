import { request } from 'node:http';

/** What an agent answered: its status and its JSON body (an error's code, message and hint). */
export interface AgentAnswer {
  status: number;
  body: { error?: { code: string; message: string; hint?: string } };
}

/**
 * One raw request to a `dayshift agent` on its unix socket, headers as given: what any local process
 * could send (an unsigned, forged, replayed or changed request), not what the agent client signs.
 */
export function rawAgentRequest(
  socket: string,
  pathname: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<AgentAnswer> {
  return new Promise<AgentAnswer>((resolve, reject) => {
    const req = request(
      {
        socketPath: socket,
        method,
        path: pathname,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
