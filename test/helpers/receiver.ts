import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The webhook notifier's body, as far as the tests read it. */
export interface WebhookBody {
  deliveryId: string;
  title: string;
  alerts: Array<{ id: number; key: string; event: string; name: string; severity: string }>;
}

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A local HTTP receiver for notifications: records every request, and can be down (connection refused),
 * answer with an error status, or hold its answer (to kill a sender mid-delivery).
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Status to answer with; 200 by default. */
  status = 200;
  /** When set, requests are recorded but not answered until `release()`. */
  hold = false;
  #held: http.ServerResponse[] = [];
  #server: http.Server;
  #port = 0;

  private constructor() {
    this.#server = this.#create();
  }

  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await receiver.#listen(port);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The JSON bodies received on a path (all paths when omitted). */
  json<T = Record<string, unknown>>(path?: string): T[] {
    return this.received
      .filter((r) => path === undefined || r.path === path)
      .map((r) => JSON.parse(r.body) as T);
  }

  /** Stops listening: senders get connection refused until `up()`. */
  async down(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async up(): Promise<void> {
    this.#server = this.#create();
    await this.#listen(this.#port);
  }

  release(): void {
    this.hold = false;
    for (const res of this.#held.splice(0)) res.writeHead(this.status).end('{}');
  }

  async close(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #create(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '/',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        if (this.hold) this.#held.push(res);
        else res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }
}

/** Verifies a webhook's `X-Dayshift-Signature` as a receiver would. */
export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
