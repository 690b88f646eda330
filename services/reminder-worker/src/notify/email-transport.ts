import type { DaprClient } from '@taskflow/dapr';
import { createTransport } from 'nodemailer';
import type { ComposedEmail } from './email.ts';
import { permanent, transient, type AttemptResult } from './outcome.ts';

// How a composed email leaves: nodemailer over SMTP (everything the email promises), the
// sidecar's bindings.smtp (HTML only: see daprEmailTransport), or nothing configured.

export interface EmailTransport {
  readonly kind: 'smtp' | 'dapr' | 'none';
  send(email: ComposedEmail): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** The subset of nodemailer's error this module reads. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  /** nodemailer's own verdict from the reply class: 5xx except 503. */
  permanent?: boolean;
  message?: string;
}

/**
 * Whether the server's refusal is about this message (the recipient does not exist, the
 * message is refused): a 5xx in answer to the envelope or the data. A 5xx to the login, or no
 * reply at all, is the deployment's problem and retried: every email would fail the same way,
 * and the fix (a password) does not change the message.
 */
export function isPermanentSmtpError(error: SmtpError): boolean {
  const aboutTheMessage = error.code === 'EENVELOPE' || error.code === 'EMESSAGE';
  const fiveHundred =
    error.permanent ??
    (error.responseCode !== undefined && error.responseCode >= 500 && error.responseCode !== 503);
  return aboutTheMessage && fiveHundred;
}

/** An SMTP error as last_error: the server's reply when there is one, never the URL's password. */
export function describeSmtpError(error: SmtpError): string {
  const reply = error.response?.trim();
  const what = reply ? `SMTP ${reply}` : (error.message ?? String(error));
  return `${error.code ? `${error.code}: ` : ''}${what}`.slice(0, 1000);
}

/**
 * nodemailer to SMTP_URL, a pool of a few kept-open connections (a batch of emails reuses them).
 * `smtp://` upgrades with STARTTLS when the server offers it; `smtps://` is TLS from the start.
 */
export function smtpTransport(
  url: string,
  { timeoutMs, maxConnections = 5 }: { timeoutMs: number; maxConnections?: number },
): EmailTransport {
  const parsed = new URL(url);
  const transporter = createTransport({
    pool: true,
    maxConnections,
    host: decodeURIComponent(parsed.hostname.replace(/^\[|\]$/g, '')),
    port: Number(parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)),
    secure: parsed.protocol === 'smtps:',
    ...(parsed.username
      ? {
          auth: {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          },
        }
      : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    kind: 'smtp',
    async send(email) {
      try {
        await transporter.sendMail({
          from: email.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          headers: Object.fromEntries(
            Object.entries(email.headers).map(([name, value]) => [name, { prepared: true, value }]),
          ),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { ok: true };
      } catch (caught) {
        const error = caught as SmtpError;
        const description = describeSmtpError(error);
        return isPermanentSmtpError(error) ? permanent(description) : transient(description);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/**
 * The sidecar's output binding of type bindings.smtp (dapr/components/common/binding-email.yaml),
 * the mail server's address and login in its secret store. That component sends From, To,
 * Subject, X-priority and ONE text/html body (components-contrib bindings/smtp/smtp.go): the
 * plain-text part, Message-ID, List-Unsubscribe, List-Unsubscribe-Post and Auto-Submitted are
 * lost, so a repeat cannot be recognised by its Message-ID and providers show no unsubscribe
 * button (the link in the body still works). Its errors carry no SMTP reply code, so every
 * failure is retried until the attempts run out.
 */
export function daprEmailTransport(
  dapr: Pick<DaprClient, 'invokeBinding'>,
  binding: string,
  { timeoutMs }: { timeoutMs: number },
): EmailTransport {
  return {
    kind: 'dapr',
    async send(email) {
      // bindings.smtp splits emailTo on ";": such an address is refused, never split.
      if (email.to.includes(';')) return permanent('the address holds a ";" (bindings.smtp)');
      try {
        await dapr.invokeBinding(binding, email.html, {
          metadata: { emailFrom: email.from, emailTo: email.to, subject: email.subject },
          timeoutMs,
        });
        return { ok: true };
      } catch (error) {
        return transient(error instanceof Error ? error.message : String(error));
      }
    },
    async close() {},
  };
}

export const EMAIL_NOT_CONFIGURED =
  'email is not configured: set SMTP_URL (or EMAIL_TRANSPORT=dapr with the taskflow-email binding)';

/** No SMTP_URL: every email fails, retried as usual (set SMTP_URL and restart, and they go). */
export function unconfiguredEmailTransport(): EmailTransport {
  return {
    kind: 'none',
    send: async () => transient(EMAIL_NOT_CONFIGURED),
    close: async () => {},
  };
}
