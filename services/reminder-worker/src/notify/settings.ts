import type { AddressPolicy, Resolver } from '@taskflow/outbound';

// The notifier's settings as its parts take them; config.ts fills them from the environment,
// tests directly.

export interface SenderSettings {
  /** Deliveries claimed per transaction (DELIVERY_BATCH_SIZE). */
  batchSize: number;
  /** Deliveries of a batch sent at once (DELIVERY_CONCURRENCY). */
  concurrency: number;
  /** Attempts before `failed` (DELIVERY_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** The first retry's wait (DELIVERY_RETRY_BASE_MS); see backoff.ts. */
  retryBaseMs: number;
  /** How long one tick may keep claiming batches (DELIVERY_TICK_BUDGET_MS). */
  budgetMs: number;
  /**
   * How long a claimed delivery is held before another sender may take it (its sender died).
   * leaseFor: long enough for a whole batch to be sent, wave after wave of `concurrency`.
   */
  leaseMs: number;
}

export interface WebhookSettings {
  /** One request, all of it (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** http:// URLs too: ENVIRONMENT=local only. */
  allowHttp: boolean;
  /** Tests give a name to their receiver; default the system resolver. */
  lookup?: Resolver;
  /** Tests only (outbound's testing entry); default the standard policy. */
  policy?: AddressPolicy;
}

export interface EmailSettings {
  /** The From header (EMAIL_FROM). */
  from: string;
  /** Where the page and the email links are (PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
  /** Message-ID is `<delivery id@messageIdDomain>` (EMAIL_MESSAGE_ID_DOMAIN). */
  messageIdDomain: string;
}

export interface NotifierSettings {
  sender: SenderSettings;
  webhook: WebhookSettings;
  email: EmailSettings;
}

/** Beyond the slowest possible batch, before a lease runs out. */
export const LEASE_MARGIN_MS = 5_000;

/**
 * The lease of a claimed batch: every delivery of it may wait for the ones before it (at most
 * `ceil(batch / concurrency)` waves, each at most one send timeout), so a live sender never
 * loses a delivery it has not yet sent to another sender. A dead sender's deliveries wait this
 * long to be sent again.
 */
export function leaseFor(
  settings: Pick<SenderSettings, 'batchSize' | 'concurrency'>,
  sendTimeoutMs: number,
): number {
  const waves = Math.ceil(settings.batchSize / settings.concurrency);
  return waves * sendTimeoutMs + LEASE_MARGIN_MS;
}
