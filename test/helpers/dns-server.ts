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
const TYPE_MX = 15;
const TYPE_TXT = 16;
const RCODE_NXDOMAIN = 3;

/** TXT records (each a list of chunks) and MX records (preference, exchange) of one name. */
export interface OtherRecords {
  txt?: string[][];
  mx?: Array<[preference: number, exchange: string]>;
}

/**
 * A minimal authoritative resolver on 127.0.0.1 over UDP: A records from `records` (name → addresses),
 * TXT and MX records from `others`,
 * NOERROR without answers for other types of a known name, NXDOMAIN for unknown names, and silence for
 * names in `silent`, so a check's timeout can be seen.
 */
export async function startDnsServer(
  records: Record<string, string[]>,
  silent: string[] = [],
  others: Record<string, OtherRecords> = {},
): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  const known = new Map(Object.entries(records).map(([name, ips]) => [name.toLowerCase(), ips]));
  const quiet = new Set(silent.map((n) => n.toLowerCase()));
  const otherOf = new Map(Object.entries(others).map(([name, set]) => [name.toLowerCase(), set]));
  socket.on('message', (message, peer) => {
    const query = parseQuery(message);
    if (!query) return;
    queries.push(query.name);
    const name = query.name.toLowerCase();
    if (quiet.has(name)) return;
    const ips = known.get(name);
    const other = otherOf.get(name);
    if (!ips && !other) return reply(socket, peer, message, query.end, RCODE_NXDOMAIN, []);
    const answers =
      query.type === TYPE_A
        ? (ips ?? []).map(aRecord)
        : query.type === TYPE_TXT
          ? (other?.txt ?? []).map(txtRecord)
          : query.type === TYPE_MX
            ? (other?.mx ?? []).map(mxRecord)
            : [];
    reply(socket, peer, message, query.end, 0, answers);
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

/** Echoes the header and question as received (case included) and appends the answers. */
function reply(
  socket: Socket,
  peer: RemoteInfo,
  message: Buffer,
  questionEnd: number,
  rcode: number,
  answers: Buffer[],
): void {
  const header = Buffer.alloc(12);
  message.copy(header, 0, 0, 2);
  const recursionDesired = (message[2] ?? 0) & 0x01;
  header[2] = 0x84 | recursionDesired; // QR and AA
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  socket.send(
    Buffer.concat([header, message.subarray(12, questionEnd), ...answers]),
    peer.port,
    peer.address,
  );
}

/** One answer for the question's name (a pointer to it), of a type, with its data. */
function record(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // a pointer to the question's name
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(60, 6);
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

function aRecord(ip: string): Buffer {
  return record(TYPE_A, Buffer.from(ip.split('.').map(Number)));
}

function txtRecord(chunks: string[]): Buffer {
  return record(
    TYPE_TXT,
    Buffer.concat(chunks.map((c) => Buffer.concat([Buffer.from([Buffer.byteLength(c)]), Buffer.from(c)]))),
  );
}

function mxRecord([preference, exchange]: [number, string]): Buffer {
  const labels = exchange.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const pref = Buffer.alloc(2);
  pref.writeUInt16BE(preference);
  return record(TYPE_MX, Buffer.concat([pref, ...labels, Buffer.from([0])]));
}
