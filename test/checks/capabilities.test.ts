import { describe, expect, it } from 'vitest';
import { checkKinds, isPushed, seesCertificate } from '../../src/checks/registry.js';

describe('check kind capabilities', () => {
  it('say which checks see a certificate whose expiry /metrics exports', () => {
    expect(seesCertificate('http', { url: 'https://127.0.0.1:8443/health' })).toBe(true);
    expect(seesCertificate('http', { url: 'http://127.0.0.1:8080/health' })).toBe(false);
    expect(seesCertificate('tls', { host: '127.0.0.1', port: 443 })).toBe(true);
    expect(seesCertificate('cert_file', { path: 'certs/site.pem' })).toBe(true);
    const others = Object.keys(checkKinds).filter((k) => !['http', 'tls', 'cert_file'].includes(k));
    for (const kind of others) expect(seesCertificate(kind, {}), kind).toBe(false);
    expect(seesCertificate('no-such-kind', {})).toBe(false);
  });

  it('say which kinds are pushed to rather than probed', () => {
    expect(Object.keys(checkKinds).filter(isPushed)).toEqual(['heartbeat']);
    expect(isPushed('toString')).toBe(false);
  });
});
