import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKinds } from '../../src/checks/registry.js';
import { runCheck } from '../../src/checks/run.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { checkOf, testEnv } from './check-env.js';

let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer(
    { 'api.dayshift.test': ['192.0.2.10', '192.0.2.11'], 'ipv4-only.dayshift.test': ['192.0.2.20'] },
    ['silent.dayshift.test'],
    {
      'mail.dayshift.test': {
        txt: [['v=spf1 ', '-all'], ['site-verification=abc']],
        mx: [
          [20, 'mx2.dayshift.test'],
          [10, 'mx1.dayshift.test'],
        ],
      },
    },
  );
});
afterAll(() => dns.close());

describe('the dns check against a local resolver', () => {
  it('reads A answers: the first as value and [IP], all of them, their count', async () => {
    const result = await runCheck(
      checkOf('dns', { name: 'api.dayshift.test', server: dns.server }, [
        "value == '192.0.2.10'",
        'count == 2',
        "answers contains '192.0.2.11'",
        "rcode == 'NOERROR'",
        '[IP] == 192.0.2.10',
        '[DNS_RCODE] == NOERROR',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.values).toMatchObject({ count: 2, answers: '192.0.2.10, 192.0.2.11', rcode: 'NOERROR' });
    expect(dns.queries).toContain('api.dayshift.test');
  });

  it("gives Gatus's [BODY]: the answer, the last A record when there are several", async () => {
    const result = await runCheck(
      checkOf('dns', { name: 'api.dayshift.test', server: dns.server }, [
        '[BODY] == 192.0.2.11',
        '[BODY] == pat(192.0.2.*)',
        "body == '192.0.2.11'",
        '[CONNECTED] == true',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
    expect(result.conditions[0]).toMatchObject({ ok: true, actual: '192.0.2.11' });
  });

  it("gives Gatus's [BODY] for MX (the last exchange, with its final dot) and TXT (one record a line)", async () => {
    const mx = await runCheck(
      checkOf('dns', { name: 'mail.dayshift.test', type: 'MX', server: dns.server }, [
        '[BODY] == mx1.dayshift.test.',
        "value == '10 mx1.dayshift.test'",
      ]),
      testEnv(),
    );
    expect(mx.outcome, JSON.stringify(mx)).toBe('pass');
    const txt = await runCheck(
      checkOf('dns', { name: 'mail.dayshift.test', type: 'TXT', server: dns.server }, [
        '[BODY] == pat(v=spf1 -all?site-verification=abc)',
        'count == 2',
      ]),
      testEnv(),
    );
    expect(txt.outcome, JSON.stringify(txt)).toBe('pass');
    expect(txt.conditions[0]?.actual).toBe('v=spf1 -all\nsite-verification=abc');
  });

  it('gives an empty [BODY] for NXDOMAIN, an answer from a resolver that was reached', async () => {
    const result = await runCheck(
      checkOf('dns', { name: 'unknown.dayshift.test', server: dns.server }, [
        '[DNS_RCODE] == NXDOMAIN',
        'len([BODY]) == 0',
        '[CONNECTED] == true',
      ]),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('passes its default conditions for a name that resolves', async () => {
    const result = await runCheck(
      checkOf('dns', { name: 'ipv4-only.dayshift.test', server: dns.server }),
      testEnv(),
    );
    expect(result.outcome, JSON.stringify(result)).toBe('pass');
  });

  it('reports NXDOMAIN as an answer conditions can read, failing the default conditions', async () => {
    const byDefault = await runCheck(
      checkOf('dns', { name: 'nope.dayshift.test', server: dns.server }),
      testEnv(),
    );
    expect(byDefault.outcome).toBe('fail');
    expect(byDefault.error).toBeUndefined();
    expect(byDefault.conditions[0]).toMatchObject({
      expr: "rcode == 'NOERROR'",
      ok: false,
      actual: 'NXDOMAIN',
    });
    const expected = await runCheck(
      checkOf('dns', { name: 'nope.dayshift.test', server: dns.server }, [
        "rcode == 'NXDOMAIN'",
        '[DNS_RCODE] == NXDOMAIN',
      ]),
      testEnv(),
    );
    expect(expected.outcome, JSON.stringify(expected)).toBe('pass');
  });

  it('reports a known name without records of the type as NOERROR with no answers', async () => {
    const result = await runCheck(
      checkOf('dns', { name: 'ipv4-only.dayshift.test', type: 'AAAA', server: dns.server }),
      testEnv(),
    );
    expect(result.outcome).toBe('fail');
    expect(result.values).toMatchObject({ rcode: 'NOERROR', count: 0, value: null });
    expect(result.conditions[1]).toMatchObject({ expr: 'count > 0', ok: false });
  });

  it('gives up at the timeout when the resolver never answers', async () => {
    const started = performance.now();
    const result = await runCheck(
      checkOf('dns', { name: 'silent.dayshift.test', server: dns.server }, [], 300),
      testEnv(),
    );
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({ outcome: 'fail', timedOut: true });
  });

  it('rejects a resolver address that is not an IP when the file loads', () => {
    const parsed = checkKinds.dns.options.safeParse({ name: 'x.test', server: 'dns.example.com' });
    expect(parsed.success).toBe(false);
    for (const server of ['192.0.2.53', '192.0.2.53:5353', '::1', '[2001:db8::53]:53'])
      expect(checkKinds.dns.options.safeParse({ name: 'x.test', server }).success, server).toBe(true);
  });
});
