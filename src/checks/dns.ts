import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const recordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV'] as const;
type RecordType = (typeof recordTypes)[number];

const options = z.strictObject({
  name: z.string().min(1),
  type: z.enum(recordTypes).default('A'),
  /** A resolver as ip or ip:port; the system's resolver when omitted. */
  server: z
    .string()
    .refine(isServerAddress, {
      error: 'expected a resolver address: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53',
    })
    .optional(),
});
type DnsOptions = z.output<typeof options>;

/**
 * A DNS lookup. Fields: value (the first answer), rcode, count, answers (joined), latency; the first
 * address is also Gatus's [IP], the response code its [DNS_RCODE], and the answer as Gatus gives it
 * (below) its [BODY]; `connected` is whether the resolver answered.
 */
export const dnsCheck = {
  kind: 'dns',
  description: 'a DNS lookup: the answers and the response code',
  options,
  defaultExpect: ["rcode == 'NOERROR'", 'count > 0'],
  produces: () => ({
    fields: ['dns_rcode', 'ip', 'body', 'connected'],
    values: ['value', 'rcode', 'count', 'answers'],
  }),
  probe: probeDns,
} satisfies CheckKindDefinition<DnsOptions>;

/**
 * Node reports a resolver's answer codes as errors; these are answers, not failures to ask, so
 * conditions see them (`rcode == 'NXDOMAIN'` is a check some people want).
 */
const rcodeOfError: Record<string, string> = {
  ENODATA: 'NOERROR',
  ENOTFOUND: 'NXDOMAIN',
  ESERVFAIL: 'SERVFAIL',
  EREFUSED: 'REFUSED',
  EFORMERR: 'FORMERR',
  ENOTIMP: 'NOTIMP',
};

async function probeDns(o: DnsOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const asked = `${o.type} ${o.name}${o.server ? ` at ${o.server}` : ''}`;
  // A resolver per run: cancel() ends every query of its resolver, and only this run's must end. Two
  // tries share the timeout so one lost UDP packet does not fail the check.
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(context.timeoutMs / 3)), tries: 2 });
  if (o.server) resolver.setServers([o.server]);
  const cancel = () => resolver.cancel();
  context.signal.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  try {
    const { answers, body } = await lookup(resolver, o.name, o.type);
    return outcome(o.type, 'NOERROR', answers, body, performance.now() - started);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const rcode = rcodeOfError[code];
    if (rcode) return outcome(o.type, rcode, [], '', performance.now() - started);
    const why = code === 'ECONNREFUSED' ? 'the resolver refused the connection' : (error as Error).message;
    return { subject: { connected: false }, error: `could not look up ${asked}: ${why}` };
  } finally {
    context.signal.removeEventListener('abort', cancel);
  }
}

function outcome(
  type: RecordType,
  rcode: string,
  answers: string[],
  body: string,
  latencyMs: number,
): ProbeOutcome {
  const subject: ProbeOutcome['subject'] = {
    dnsRcode: rcode,
    body,
    connected: true,
    latencyMs,
    values: { value: answers[0] ?? null, rcode, count: answers.length, answers: answers.join(', ') },
  };
  if ((type === 'A' || type === 'AAAA') && answers[0]) subject.ip = answers[0];
  return { subject, details: { answers } };
}

/**
 * Each record type's answers as text conditions can compare (`10 mail.example.com` for MX), and the
 * body Gatus gives a DNS check: the last answer's value, a name with its final dot (`mail.example.com.`
 * for MX, `target.:5060` for SRV), or every TXT record, one per line.
 */
async function lookup(
  resolver: Resolver,
  name: string,
  type: RecordType,
): Promise<{ answers: string[]; body: string }> {
  const last = (list: string[]) => list.at(-1) ?? '';
  switch (type) {
    case 'A':
    case 'AAAA': {
      const answers = await (type === 'A' ? resolver.resolve4(name) : resolver.resolve6(name));
      return { answers, body: last(answers) };
    }
    case 'CNAME':
    case 'NS': {
      const answers = await (type === 'CNAME' ? resolver.resolveCname(name) : resolver.resolveNs(name));
      return { answers, body: answers.length > 0 ? `${last(answers)}.` : '' };
    }
    case 'MX': {
      const records = await resolver.resolveMx(name);
      const answers = [...records]
        .sort((a, b) => a.priority - b.priority)
        .map((mx) => `${mx.priority} ${mx.exchange}`);
      const final = records.at(-1);
      return { answers, body: final ? `${final.exchange}.` : '' };
    }
    case 'TXT': {
      // A TXT record arrives in chunks of at most 255 bytes; its meaning is their concatenation.
      const answers = (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
      return { answers, body: answers.join('\n') };
    }
    case 'SRV': {
      const records = await resolver.resolveSrv(name);
      const answers = [...records]
        .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
        .map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`);
      const final = records.at(-1);
      return { answers, body: final ? `${final.name}.:${final.port}` : '' };
    }
  }
}

/** What Resolver.setServers takes: an IP, `ip:port`, `[ipv6]` or `[ipv6]:port`. */
function isServerAddress(text: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 && validPort(bracketed[2]);
  if (isIP(text)) return true;
  const [host, port, ...rest] = text.split(':');
  return rest.length === 0 && isIP(host ?? '') === 4 && validPort(port);
}

function validPort(port: string | undefined): boolean {
  return port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
}
