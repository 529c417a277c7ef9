import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { notifierKinds } from '../../src/notifiers/registry.js';
import { checkTemplate, renderNotification } from '../../src/notifiers/shared/templates.js';
import { DeliveryError, type NotifierKindDefinition } from '../../src/notifiers/types.js';
import { makeCert } from '../helpers/certs.js';
import { until } from '../helpers/wait.js';
import { alert, digest, single } from './notifications.js';

const PASSWORD = 'canary-smtp-pass-91c2';
const context = (signal = AbortSignal.timeout(15_000)) => ({
  signal,
  notifier: 'ops',
  baseDir: process.cwd(),
  logger: silentLogger(),
});
const email = notifierKinds.email as unknown as NotifierKindDefinition;
const command = notifierKinds.command as unknown as NotifierKindDefinition;

interface Received {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user: string | undefined;
}

describe('the email notifier over a real SMTP conversation', () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let port = 0;
  beforeAll(async () => {
    const cert = makeCert({ cn: 'localhost', days: 30 });
    server = new SMTPServer({
      key: cert.key,
      cert: cert.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH only after STARTTLS, as a real submission server insists.
      allowInsecureAuth: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'dayshift' && auth.password === PASSWORD)
          callback(null, { user: auth.username });
        else callback(new Error('535 bad credentials'));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@refused.example'))
          callback(Object.assign(new Error('550 no such user'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            secure: session.secure,
            user: session.user as string | undefined,
          });
          callback();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const options = (extra: Record<string, unknown> = {}) =>
    email.options.parse({
      smtp: `smtp://dayshift:${PASSWORD}@127.0.0.1:${port}`,
      from: 'dayshift@example.com',
      to: ['ops-team@example.com'],
      subject_prefix: '[dayshift] ',
      tls_verify: false,
      require_tls: true,
      ...extra,
    });

  it('upgrades with STARTTLS, authenticates, and delivers a text and an HTML part with the right subject', async () => {
    const n = single();
    const receipt = await email.send(options(), n, context());
    expect(receipt.status).toBe(250);
    const [mail] = received.splice(0);
    expect(mail).toMatchObject({
      from: 'dayshift@example.com',
      to: ['ops-team@example.com'],
      secure: true,
      user: 'dayshift',
    });
    expect(mail?.raw).toMatch(
      /^Subject: \[dayshift\] \[FIRING\] backend\.health unhealthy \(critical\)\r?$/m,
    );
    expect(mail?.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail?.raw).toMatch(/Content-Type: text\/html/);
    expect(mail?.raw).toContain('status == 200 failed: got 503');
    expect(mail?.raw).toContain(`Message-ID: <${n.deliveryId}@dayshift>`);
    expect(mail?.raw).not.toContain(PASSWORD);
  });

  it('a refused recipient is not retried; a wrong password says so without the password', async () => {
    const refused = await email
      .send(options({ to: ['nobody@refused.example'] }), single(), context())
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeliveryError);
    expect((refused as DeliveryError).retryable).toBe(false);
    const wrong = await email
      .send(options({ smtp: `smtp://dayshift:wrong-${PASSWORD}@127.0.0.1:${port}` }), single(), context())
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(DeliveryError);
    expect((wrong as Error).message).toMatch(/535|auth/i);
    expect((wrong as Error).message).not.toContain(PASSWORD);
  });

  it('sends a digest with every alert in the text', async () => {
    const n = digest(25);
    await email.send(options(), n, context());
    const [mail] = received.splice(0);
    expect(mail?.raw).toMatch(/Subject: \[dayshift\] shop: 23 firing, 2 resolved/);
    // Long lines are folded by quoted-printable; unfold before counting.
    const text = mail?.raw.replace(/=\r?\n/g, '') ?? '';
    for (let i = 0; i < 25; i++) expect(text).toContain(`fleet.c${i} unhealthy`);
  });
});

describe('the command notifier', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dayshift-notify-cmd-'));

  it('runs the program with the whole notification as JSON on stdin', async () => {
    const out = path.join(dir, 'got.json');
    const n = single();
    const receipt = await command.send(
      command.options.parse({ run: `cat > ${out}; echo stored` }),
      n,
      context(),
    );
    expect(receipt).toEqual({ status: 0, detail: 'stored' });
    const got = JSON.parse(readFileSync(out, 'utf8')) as typeof n;
    expect(got.deliveryId).toBe(n.deliveryId);
    expect(got.alerts[0]?.key).toBe('check:backend.health');
  });

  it('a non-zero exit is a retryable failure that says what the program printed', async () => {
    const error = await command
      .send(command.options.parse({ run: 'echo pager gateway down >&2; exit 3' }), single(), context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as Error).message).toBe('the notify command exited with 3: pager gateway down');
  });

  it('a program that outlives its timeout is killed with everything it started', async () => {
    const pidFile = path.join(dir, 'child.pid');
    writeFileSync(pidFile, '');
    const started = Date.now();
    const error = await command
      .send(
        command.options.parse({ run: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: '500ms' }),
        single(),
        context(),
      )
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((error as Error).message).toMatch(/was killed after/);
    const child = Number(readFileSync(pidFile, 'utf8'));
    // Killed at once; its parent gone, init reaps it a moment later.
    await until(
      () => {
        try {
          process.kill(child, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      'the background sleep to be gone',
      3_000,
    );
  });
});

describe('message templates', () => {
  it('renders a single alert and a digest with the defaults', () => {
    const one = single({ acknowledgedBy: 'alice', event: 'acknowledged' });
    expect(one.title).toBe('[ACKNOWLEDGED] backend.health unhealthy (critical)');
    expect(one.text).toContain('acknowledged by alice');
    const many = digest(10);
    expect(many.title).toBe('shop: 9 firing, 1 resolved');
    expect(many.text.split('\n').filter((l) => l.startsWith('[')).length).toBe(10);
    expect(single({ flapping: true }).title).toBe('[FLAPPING] backend.health unhealthy (critical)');
  });

  it('escapes HTML in the HTML part only', () => {
    const n = single({ summary: 'body matches <script>' });
    expect(n.text).toContain('<script>');
    expect(n.html).toContain('&lt;script&gt;');
    expect(n.html).not.toContain('<script>');
  });

  it('uses a notifier template in place of the defaults', () => {
    const n = renderNotification(
      { deliveryId: 'd-1', stack: 'shop', alerts: [alert()], createdAt: '2026-11-20T10:00:01.000Z' },
      {
        title: '{{#alerts}}{{severity_upper}} {{service}}{{/alerts}}',
        text: '{{#alert}}{{summary}} ({{labels.team}}){{/alert}}',
      },
    );
    expect(n.title).toBe('CRITICAL backend');
    expect(n.text).toBe('status == 200 failed: got 503 (web)');
  });

  it('points at a template mistake by line and column', () => {
    expect(checkTemplate('{{#updates}} no end')).toMatch(/Unclosed section/);
  });
});
