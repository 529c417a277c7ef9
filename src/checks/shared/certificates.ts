import type { X509Certificate } from 'node:crypto';

/** What conditions read from a certificate: time to expiry and issuer. */
export interface CertificateFacts {
  expiresInMs: number;
  issuer: string;
  subject: string;
  notAfter: string;
}

/** Facts of a certificate as Node hands it over; undefined when there is none. */
export function certificateFacts(
  cert: X509Certificate | undefined,
  now: number,
): CertificateFacts | undefined {
  if (!cert) return undefined;
  return {
    expiresInMs: Date.parse(cert.validTo) - now,
    issuer: commonName(cert.issuer),
    subject: commonName(cert.subject),
    notAfter: new Date(Date.parse(cert.validTo)).toISOString(),
  };
}

/** `CN=R3` out of a distinguished name, or the whole name when it has no CN. */
function commonName(dn: string): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(dn)?.[1];
  return cn ?? dn.replace(/\n/g, ', ');
}
