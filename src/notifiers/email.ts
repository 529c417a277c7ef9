import { z } from 'zod';
import { secretUrl } from '../schema/secret-schema.js';
import { loadNodemailer } from '../util/client-libraries.js';
import { DeliveryError, type NotifierKindDefinition } from './types.js';

const address = () => z.string().regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address');

const options = z.strictObject({
  smtp: secretUrl(['smtp', 'smtps']),
  from: address(),
  to: z.array(address()).min(1),
  subject_prefix: z.string().optional(),
  /** Refuse to send without STARTTLS on smtp:// (default: upgrade when the server offers it). */
  require_tls: z.boolean().default(false),
  /** A PEM file or text of the CA that signed the server's certificate (a private CA). */
  ca: z.string().optional(),
  /** Accept any certificate; for a test server only. */
  tls_verify: z.boolean().default(true),
});

/** SMTP answers that mean the message or an address is refused for good. */
function permanent(code: number | undefined): boolean {
  return code !== undefined && code >= 500 && code < 600;
}

/**
 * Email over SMTP through nodemailer: `smtp://user:pass@host:587` upgrades with STARTTLS when offered
 * (`require_tls` insists), `smtps://` is TLS from the start. A text and an HTML part; the Message-ID
 * carries the delivery id, so a resent message is recognisable.
 */
export const emailNotifier: NotifierKindDefinition<typeof options> = {
  kind: 'email',
  description: 'email over SMTP; smtp:// upgrades with STARTTLS when offered, smtps:// is TLS from the start',
  options,
  async send(opts, n, context) {
    const url = new URL(opts.smtp.reveal());
    const secure = url.protocol === 'smtps:';
    const transport = (await loadNodemailer()).createTransport({
      host: url.hostname,
      port: Number(url.port) || (secure ? 465 : 587),
      secure,
      requireTLS: opts.require_tls,
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      tls: { rejectUnauthorized: opts.tls_verify, ...(opts.ca ? { ca: opts.ca } : {}) },
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    const abort = () => transport.close();
    context.signal.addEventListener('abort', abort, { once: true });
    try {
      const info = await transport.sendMail({
        from: opts.from,
        to: opts.to,
        subject: `${opts.subject_prefix ?? ''}${n.title}`,
        text: n.text,
        html: n.html,
        messageId: `<${n.deliveryId}@dayshift>`,
        headers: { 'X-Dayshift-Delivery': n.deliveryId },
      });
      return { status: 250, detail: String(info.response ?? '').slice(0, 300) };
    } catch (error) {
      const e = error as { responseCode?: number; code?: string; message?: string };
      if (context.signal.aborted)
        throw new DeliveryError('the SMTP server did not answer in time', { retryable: true, cause: error });
      // nodemailer's messages name the host and the SMTP reply, not the password.
      const said = (e.message ?? String(error)).replace(url.password || '\u0000', '[redacted]');
      throw new DeliveryError(`SMTP ${e.responseCode ?? e.code ?? 'error'}: ${said.slice(0, 300)}`, {
        retryable: !permanent(e.responseCode) && e.code !== 'EAUTH',
        status: e.responseCode,
        cause: error,
      });
    } finally {
      context.signal.removeEventListener('abort', abort);
      transport.close();
    }
  },
};
