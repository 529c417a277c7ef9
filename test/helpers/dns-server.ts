import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

/** A running test resolver: `server` is what a dns check's `server:` option takes. */
export interface TestDnsServer {
  server: string;
  /** The names asked, in order, as the queries spelled them. */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const RCODE_NXDOMAIN = 3;

/**
 * A minimal authoritative resolver on 127.0.0.1 over UDP: A records from `records` (name → addresses),
 * NOERROR without answers for other types of a known name, NXDOMAIN for unknown names, and silence for
 * names in `silent`, so a check's timeout can be seen.
 */
export async function startDnsServer(
  records: Record<string, string[]>,
  silent: string[] = [],
): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  const known = new Map(Object.entries(records).map(([name, ips]) => [name.toLowerCase(), ips]));
  const quiet = new Set(silent.map((n) => n.toLowerCase()));
  socket.on('message', (message, peer) => {
    const query = parseQuery(message);
    if (!query) return;
    queries.push(query.name);
    const name = query.name.toLowerCase();
    if (quiet.has(name)) return;
    const ips = known.get(name);
    if (!ips) return reply(socket, peer, message, query.end, RCODE_NXDOMAIN, []);
    reply(socket, peer, message, query.end, 0, query.type === TYPE_A ? ips : []);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** The first question: its name, type and where it ends in the message. */
function parseQuery(message: Buffer): { name: string; type: number; end: number } | undefined {
  if (message.length < 12 || message.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = message[at];
    if (length === undefined) return undefined;
    at += 1;
    if (length === 0) break;
    labels.push(message.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  return { name: labels.join('.'), type: message.readUInt16BE(at), end: at + 4 };
}

/** Echoes the header and question as received (case included) and appends A answers. */
function reply(
  socket: Socket,
  peer: RemoteInfo,
  message: Buffer,
  questionEnd: number,
  rcode: number,
  ips: string[],
): void {
  const header = Buffer.alloc(12);
  message.copy(header, 0, 0, 2);
  const recursionDesired = (message[2] ?? 0) & 0x01;
  header[2] = 0x84 | recursionDesired; // QR and AA
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const answers = ips.map((ip) => {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(4, 10);
    ip.split('.').forEach((part, i) => {
      record[12 + i] = Number(part);
    });
    return record;
  });
  socket.send(
    Buffer.concat([header, message.subarray(12, questionEnd), ...answers]),
    peer.port,
    peer.address,
  );
}
