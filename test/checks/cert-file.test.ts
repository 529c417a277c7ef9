import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/checks/run.js';
import { makeCert, type TestCert } from '../helpers/certs.js';
import { checkOf, testEnv } from './check-env.js';

let ca: TestCert;
let valid: TestCert;
let expiring: TestCert;
let chainFile: string;

beforeAll(() => {
  ca = makeCert({ cn: 'Dayshift Test CA', days: 20, isCa: true });
  valid = makeCert({ cn: 'api.dayshift.test', days: 90, ca });
  expiring = makeCert({ cn: 'old.dayshift.test', days: 3 });
  // A full chain as proxies keep it: the leaf, then a CA that expires first.
  chainFile = path.join(valid.dir, 'fullchain.pem');
  writeFileSync(chainFile, Buffer.concat([valid.cert, ca.cert]));
});

describe('the cert_file check on files made in the test', () => {
  it('reads a valid certificate: expiry, issuer, subject, relative to the stack file', async () => {
    const result = await runCheck(
      checkOf('cert_file', { paths: ['cert.pem'] }, [
        'cert.expires_in > 80d',
        "cert.issuer == 'Dayshift Test CA'",
        "subject == 'api.dayshift.test'",
        'days_left >= 89',
        '[CERTIFICATE_EXPIRATION] > 720h',
      ]),
      testEnv({}, { baseDir: valid.dir }),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ files: 1, certificates: 1 });
    const byDefault = await runCheck(checkOf('cert_file', { paths: [valid.certFile] }), testEnv());
    expect(byDefault.outcome).toBe('pass');
  });

  it('fails its default condition on a certificate about to expire, saying how long is left', async () => {
    const result = await runCheck(checkOf('cert_file', { paths: [expiring.certFile] }), testEnv());
    expect(result.outcome).toBe('fail');
    expect(result.error).toBeUndefined();
    expect(result.conditions[0]).toMatchObject({ expr: 'cert.expires_in > 7d', ok: false });
    expect(result.values.cert_expires_in_days).toBeGreaterThan(2.9);
    expect(result.values.cert_expires_in_days).toBeLessThanOrEqual(3);
  });

  it('reports the soonest expiry across every file and every certificate of a chain', async () => {
    const chain = await runCheck(checkOf('cert_file', { paths: [chainFile] }), testEnv());
    expect(chain.values).toMatchObject({ certificates: 2, subject: 'Dayshift Test CA', days_left: 19 });
    expect(chain.details?.soonest).toMatchObject({ file: chainFile, subject: 'Dayshift Test CA' });
    const several = await runCheck(
      checkOf('cert_file', { paths: [chainFile, expiring.certFile] }, ['cert.expires_in > 7d']),
      testEnv(),
    );
    expect(several.values).toMatchObject({ files: 2, certificates: 3, subject: 'old.dayshift.test' });
    expect(several.outcome).toBe('fail');
  });

  it('names a missing file and a file without a certificate', async () => {
    const missing = await runCheck(
      checkOf('cert_file', { paths: [valid.certFile, 'missing.pem'] }),
      testEnv({}, { baseDir: valid.dir }),
    );
    expect(missing).toMatchObject({
      outcome: 'fail',
      error: `could not read ${path.join(valid.dir, 'missing.pem')}: no such file`,
    });
    const key = await runCheck(checkOf('cert_file', { paths: [valid.keyFile] }), testEnv());
    expect(key.error).toBe(`${valid.keyFile} holds no PEM certificate`);
    const broken = path.join(valid.dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n');
    const unparsable = await runCheck(checkOf('cert_file', { paths: [broken] }), testEnv());
    expect(unparsable.error).toMatch(new RegExp(`^${broken} is not a valid certificate`));
  });
});
