import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type CertificateFacts, certificateFacts } from './shared/certificates.js';
import type { CheckKindDefinition, ProbeContext, ProbeOutcome } from './types.js';

const options = z.strictObject({ paths: z.array(z.string().min(1)).min(1) });
type CertFileOptions = z.output<typeof options>;

/**
 * PEM certificate files on disk (certs/ beside a proxy). Fields: cert.expires_in and cert.issuer of the
 * certificate that expires first, and the named values days_left, subject, files, certificates.
 */
export const certFileCheck = {
  kind: 'cert_file',
  description: 'PEM certificate files on disk: the soonest expiry and its issuer',
  options,
  defaultExpect: ['cert.expires_in > 7d'],
  certificate: () => true,
  produces: () => ({ fields: ['cert'], values: ['days_left', 'subject', 'files', 'certificates'] }),
  probe: probeCertFiles,
} satisfies CheckKindDefinition<CertFileOptions>;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

interface Found extends CertificateFacts {
  file: string;
}

async function probeCertFiles(o: CertFileOptions, context: ProbeContext): Promise<ProbeOutcome> {
  const now = context.clock.now();
  const found: Found[] = [];
  for (const wanted of o.paths) {
    const file = path.resolve(context.baseDir, wanted);
    let text: string;
    try {
      text = await readFile(file, { encoding: 'utf8', signal: context.signal });
    } catch (error) {
      return { subject: {}, error: `could not read ${file}: ${readError(error)}` };
    }
    const blocks = text.match(PEM_CERTIFICATE) ?? [];
    if (blocks.length === 0) return { subject: {}, error: `${file} holds no PEM certificate` };
    for (const [index, block] of blocks.entries()) {
      let facts: CertificateFacts | undefined;
      try {
        facts = certificateFacts(new X509Certificate(block), now);
      } catch (error) {
        const which = blocks.length > 1 ? ` (certificate ${index + 1} of ${blocks.length})` : '';
        return {
          subject: {},
          error: `${file}${which} is not a valid certificate: ${(error as Error).message}`,
        };
      }
      if (facts) found.push({ ...facts, file });
    }
  }
  // An intermediate that expires before its leaf breaks the chain just as surely, so every
  // certificate of every file counts.
  const soonest = found.reduce((a, b) => (b.expiresInMs < a.expiresInMs ? b : a));
  return {
    subject: {
      certExpiresInMs: soonest.expiresInMs,
      certIssuer: soonest.issuer,
      values: {
        days_left: Math.floor(soonest.expiresInMs / 86_400_000),
        subject: soonest.subject,
        files: o.paths.length,
        certificates: found.length,
      },
    },
    details: {
      soonest: { file: soonest.file, subject: soonest.subject, not_after: soonest.notAfter },
      certificates: found.map((c) => ({
        file: c.file,
        subject: c.subject,
        issuer: c.issuer,
        not_after: c.notAfter,
      })),
    },
  };
}

function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'a directory, not a file';
  return (error as Error).message;
}
