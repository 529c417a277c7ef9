import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCert {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/**
 * A certificate made with the openssl command for this test: self-signed by default, or signed by `ca`.
 * `days` may be small to test expiry windows.
 */
export function makeCert(options: {
  cn: string;
  days: number;
  ca?: TestCert;
  isCa?: boolean;
  san?: string;
}): TestCert {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const san = options.san ?? `DNS:${options.cn},IP:127.0.0.1`;
  const ext = path.join(dir, 'ext.cnf');
  const extLines = options.isCa
    ? ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']
    : ['basicConstraints=CA:FALSE', `subjectAltName=${san}`, 'extendedKeyUsage=serverAuth,clientAuth'];
  execFileSync('sh', ['-c', `printf '%s\\n' ${extLines.map((l) => `'${l}'`).join(' ')} > '${ext}'`]);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
  if (options.ca) {
    const csr = path.join(dir, 'req.csr');
    execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', `/CN=${options.cn}`, '-out', csr]);
    execFileSync('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      options.ca.certFile,
      '-CAkey',
      options.ca.keyFile,
      '-CAcreateserial',
      '-days',
      String(options.days),
      '-extfile',
      ext,
      '-out',
      certFile,
    ]);
  } else {
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      `/CN=${options.cn}`,
      '-days',
      String(options.days),
      '-addext',
      extLines.join('\n').includes('CA:TRUE') ? 'basicConstraints=critical,CA:TRUE' : `subjectAltName=${san}`,
      '-out',
      certFile,
    ]);
  }
  return { dir, certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
