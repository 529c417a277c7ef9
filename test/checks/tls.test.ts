import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import path from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { makeCert, type TestCert } from '../helpers/certs.js';
import { checkOf, testEnv } from './check-env.js';

const servers: Server[] = [];
let ca: TestCert;

/** A TLS server on 127.0.0.1 presenting `cert`; it ends each connection after the handshake. */
async function serve(cert: TestCert): Promise<number> {
  const server = createServer({ cert: cert.cert, key: cert.key }, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let signedPort: number;
let selfSignedPort: number;
let shortLivedPort: number;

beforeAll(async () => {
  ca = makeCert({ cn: 'Dayshift Test CA', days: 365, isCa: true });
  signedPort = await serve(makeCert({ cn: 'localhost', days: 90, ca }));
  selfSignedPort = await serve(makeCert({ cn: 'localhost', days: 365 }));
  shortLivedPort = await serve(makeCert({ cn: 'localhost', days: 10, ca }));
});
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

describe('the tls check against local servers', () => {
  it('reads expiry, issuer and subject, and trusts a private chain through ca', async () => {
    const result = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: signedPort, servername: 'localhost', ca: ca.certFile }, [
        "cert.issuer == 'Dayshift Test CA'",
        'cert.expires_in > 80d',
        'days_left >= 89',
        "subject == 'localhost'",
        'connected == true',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ chain_valid: true, hostname_match: true });
    const byDefault = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: signedPort, servername: 'localhost', ca: ca.certFile }),
      testEnv(),
    );
    expect(byDefault.outcome, JSON.stringify(byDefault)).toBe('pass');
  });

  it('reads a ca path relative to the stack file', async () => {
    const baseDir = path.dirname(ca.certFile);
    const result = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: signedPort, ca: path.basename(ca.certFile) }, [
        'chain_valid == true',
      ]),
      testEnv({}, { baseDir }),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('reports a chain it cannot verify as chain_valid false, still reading the certificate', async () => {
    const selfSigned = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: selfSignedPort }, [], 3000),
      testEnv(),
    );
    expect(selfSigned.outcome).toBe('fail');
    expect(selfSigned.error).toBeUndefined();
    expect(selfSigned.values).toMatchObject({ chain_valid: false, hostname_match: true });
    expect(selfSigned.conditions[0]).toMatchObject({ expr: 'chain_valid == true', ok: false, actual: false });
    expect(selfSigned.details?.chain_error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(selfSigned.values.cert_expires_in_days).toBeGreaterThan(364);
    // The CA-signed server is untrusted too until the check is told about the CA.
    const unknownCa = await runCheck(checkOf('tls', { host: '127.0.0.1', port: signedPort }), testEnv());
    expect(unknownCa.values.chain_valid).toBe(false);
  });

  it('reports whether the certificate matches the name asked for', async () => {
    const other = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: signedPort, servername: 'api.example.com', ca: ca.certFile }),
      testEnv(),
    );
    expect(other.values).toMatchObject({ chain_valid: true, hostname_match: false });
    expect(other.conditions.find((c) => !c.ok)?.expr).toBe('hostname_match == true');
    expect(String(other.details?.hostname_error)).toContain('api.example.com');
  });

  it('holds a certificate valid for 10 days to expiry windows, in both syntaxes', async () => {
    const result = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: shortLivedPort, ca: ca.certFile }, [
        'cert.expires_in > 7d',
        'cert.expires_in > 30d',
        '[CERTIFICATE_EXPIRATION] > 48h',
        '[CERTIFICATE_EXPIRATION] > 720h',
      ]),
      testEnv(),
    );
    expect(
      result.conditions.map((c) => c.ok),
      JSON.stringify(result),
    ).toEqual([true, false, true, false]);
    const byDefault = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: shortLivedPort, ca: ca.certFile }),
      testEnv(),
    );
    expect(byDefault.outcome).toBe('pass');
  });

  it('reports a refused connection and a server that does not speak TLS as errors', async () => {
    const refused = await runCheck(checkOf('tls', { host: '127.0.0.1', port: 1 }), testEnv());
    expect(refused.error).toMatch(/^could not connect to 127\.0\.0\.1:1: connect ECONNREFUSED/);
    const plain = createNetServer((socket) => {
      socket.resume();
      socket.end('SSH-2.0-not-tls\r\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const result = await runCheck(checkOf('tls', { host: '127.0.0.1', port }), testEnv());
      expect(result.outcome).toBe('fail');
      expect(result.error).toMatch(/^the TLS handshake with 127\.0\.0\.1:\d+ failed: wrong version number$/);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('gives up at the timeout on a server that never answers the handshake, closing the connection', async () => {
    const closed: boolean[] = [];
    const accepted: Socket[] = [];
    const mute = createNetServer((socket) => {
      accepted.push(socket);
      // Read (and drop) what the client sends: a socket that is never read never sees the peer close.
      socket.resume();
      socket.on('close', () => closed.push(true));
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = mute.address() as AddressInfo;
      const result = await runCheck(checkOf('tls', { host: '127.0.0.1', port }, [], 300), testEnv());
      expect(result).toMatchObject({ outcome: 'fail', timedOut: true, error: 'timed out after 300ms' });
      await expect.poll(() => closed.length, { timeout: 2_000 }).toBe(1);
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('names a missing CA file', async () => {
    const result = await runCheck(
      checkOf('tls', { host: '127.0.0.1', port: signedPort, ca: '/nonexistent/dayshift/ca.pem' }),
      testEnv(),
    );
    expect(result.error).toContain('/nonexistent/dayshift/ca.pem');
  });
});
