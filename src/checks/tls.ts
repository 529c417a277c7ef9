import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { checkServerIdentity, connect, type TLSSocket } from 'node:tls';
import { z } from 'zod';
import { port } from '../schema/values.js';
import { certificateFacts } from './shared/certificates.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({
  host: z.string().min(1),
  port: port().default(443),
  /** The SNI name and the name the certificate must match, when it differs from host. */
  servername: z.string().optional(),
  /** CAs a private chain is checked against, instead of the system's. */
  ca: z.string().optional().describe('a PEM file of CAs to trust'),
});
type TlsOptions = z.output<typeof options>;

/**
 * A TLS handshake. Fields: cert.expires_in, cert.issuer, connected, latency, and the named values
 * chain_valid, hostname_match, days_left, subject.
 */
export const tlsCheck = {
  kind: 'tls',
  description: 'a TLS handshake: certificate expiry and issuer, hostname match, chain validity',
  options,
  defaultExpect: ['chain_valid == true', 'hostname_match == true', 'cert.expires_in > 7d'],
  certificate: () => true,
  produces: () => ({
    fields: ['cert', 'connected'],
    values: ['chain_valid', 'hostname_match', 'days_left', 'subject'],
  }),
  probe: probeTls,
} satisfies CheckKindDefinition<TlsOptions>;

async function probeTls(o: TlsOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const target = `${o.host}:${o.port}`;
  let ca: Buffer | undefined;
  if (o.ca) {
    const file = path.resolve(context.baseDir, o.ca);
    try {
      ca = await readFile(file);
    } catch (error) {
      return { subject: {}, error: `could not read the CA file ${file}: ${(error as Error).message}` };
    }
  }
  const name = o.servername ?? o.host;
  const started = performance.now();
  return new Promise((resolve) => {
    let connected = false;
    const socket: TLSSocket = connect({
      host: o.host,
      port: o.port,
      // SNI carries names only (RFC 6066); Node warns when given an address.
      ...(isIP(name) ? {} : { servername: name }),
      ca,
      // Expiry and issuer must be reported for a broken chain too, so the handshake always completes;
      // the chain and the name are judged below and become values conditions read.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const abort = () => socket.destroy();
    context.signal.addEventListener('abort', abort, { once: true });
    const finish = (outcome: ProbeOutcome) => {
      context.signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      const latencyMs = performance.now() - started;
      // Asked for before getPeerX509Certificate(), which leaves this object without its altnames.
      const peer = socket.getPeerCertificate();
      const facts = certificateFacts(socket.getPeerX509Certificate(), context.clock.now());
      if (!facts) {
        finish({ subject: { connected: true, latencyMs }, error: `${target} presented no certificate` });
        return;
      }
      const identityError = checkServerIdentity(name, peer);
      const chainError = socket.authorized ? undefined : String(socket.authorizationError);
      finish({
        subject: {
          connected: true,
          latencyMs,
          certExpiresInMs: facts.expiresInMs,
          certIssuer: facts.issuer,
          values: {
            chain_valid: socket.authorized,
            hostname_match: identityError === undefined,
            days_left: Math.floor(facts.expiresInMs / 86_400_000),
            subject: facts.subject,
          },
        },
        details: {
          subject: facts.subject,
          issuer: facts.issuer,
          not_after: facts.notAfter,
          protocol: socket.getProtocol(),
          ...(chainError ? { chain_error: chainError } : {}),
          ...(identityError ? { hostname_error: identityError.message } : {}),
        },
      });
    });
    socket.once('error', (error) => {
      const what = connected ? `the TLS handshake with ${target} failed` : `could not connect to ${target}`;
      finish({ subject: { connected }, error: `${what}: ${reasonOf(error)}` });
    });
  });
}

/**
 * OpenSSL's errors arrive as `<id>:error:<code>:<library>:<function>:<reason>:<source file>:<line>:`;
 * the reason is what a reader can act on (`wrong version number`: the port does not speak TLS).
 */
function reasonOf(error: Error): string {
  const fields = error.message.split(':');
  return fields[1] === 'error' && fields[5] ? fields[5] : error.message;
}
