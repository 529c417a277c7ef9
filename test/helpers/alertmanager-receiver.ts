import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small receiver written to Alertmanager's documented webhook message (version 4), decoding it the
 * way a Go receiver's struct does with `DisallowUnknownFields`: every field present with its Go type,
 * strings maps for labels and annotations, RFC 3339 times, no field it does not know. It answers 200
 * for a message it accepts and 400 with the first problem otherwise, as such receivers do.
 */
export interface AlertmanagerData {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

type Field = 'string' | 'uint64' | 'kv' | 'time' | 'alerts';

const MESSAGE: Record<string, Field> = {
  version: 'string',
  groupKey: 'string',
  truncatedAlerts: 'uint64',
  status: 'string',
  receiver: 'string',
  groupLabels: 'kv',
  commonLabels: 'kv',
  commonAnnotations: 'kv',
  externalURL: 'string',
  alerts: 'alerts',
};

const ALERT: Record<string, Field> = {
  status: 'string',
  labels: 'kv',
  annotations: 'kv',
  startsAt: 'time',
  endsAt: 'time',
  generatorURL: 'string',
  fingerprint: 'string',
};

/** Go's time.Time accepts RFC 3339 with an optional fraction and a Z or numeric offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function check(value: unknown, type: Field, at: string): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `${at}: cannot unmarshal into string`;
    case 'uint64':
      return Number.isInteger(value) && (value as number) >= 0
        ? undefined
        : `${at}: cannot unmarshal into uint64`;
    case 'time':
      return typeof value === 'string' && RFC3339.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : `${at}: parsing time ${JSON.stringify(value)} as RFC 3339 failed`;
    case 'kv':
      if (!value || typeof value !== 'object' || Array.isArray(value))
        return `${at}: cannot unmarshal into KV`;
      for (const [k, v] of Object.entries(value))
        if (typeof v !== 'string') return `${at}.${k}: cannot unmarshal into string`;
      return undefined;
    case 'alerts':
      if (!Array.isArray(value)) return `${at}: cannot unmarshal into []Alert`;
      for (const [i, alert] of value.entries()) {
        const problem = object(alert, ALERT, `${at}[${i}]`);
        if (problem) return problem;
        const a = alert as { status: string };
        if (a.status !== 'firing' && a.status !== 'resolved') return `${at}[${i}].status: ${a.status}`;
      }
      return undefined;
  }
}

function object(value: unknown, fields: Record<string, Field>, at: string): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return `${at}: not an object`;
  for (const key of Object.keys(value)) if (!(key in fields)) return `${at}: unknown field "${key}"`;
  for (const [key, type] of Object.entries(fields)) {
    if (!(key in value)) return `${at}.${key}: missing`;
    const problem = check((value as Record<string, unknown>)[key], type, `${at}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem with a body as Alertmanager's webhook message, or undefined when it decodes. */
export function decodeProblem(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'not JSON';
  }
  const problem = object(parsed, MESSAGE, 'message');
  if (problem) return problem;
  const m = parsed as AlertmanagerData;
  if (m.version !== '4') return `message.version: ${m.version}, this receiver speaks version 4`;
  if (m.status !== 'firing' && m.status !== 'resolved') return `message.status: ${m.status}`;
  return undefined;
}

export class AlertmanagerReceiver {
  readonly accepted: AlertmanagerData[] = [];
  readonly refused: string[] = [];
  #server: http.Server;

  private constructor() {
    this.#server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const problem =
          req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json')
            ? 'expected a JSON POST'
            : decodeProblem(body);
        if (problem) {
          this.refused.push(problem);
          res.writeHead(400).end(problem);
          return;
        }
        this.accepted.push(JSON.parse(body) as AlertmanagerData);
        res.writeHead(200).end();
      });
    });
  }

  static async start(): Promise<AlertmanagerReceiver> {
    const receiver = new AlertmanagerReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once('error', reject);
      receiver.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/alerts`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
