import { createDaprClient } from '@taskflow/dapr';
import type { Logger } from '@taskflow/service-kit';
import type { Config } from '../config.ts';
import {
  daprEmailTransport,
  EMAIL_NOT_CONFIGURED,
  smtpTransport,
  unconfiguredEmailTransport,
  type EmailTransport,
} from './email-transport.ts';

/**
 * The email transport the environment asks for: EMAIL_TRANSPORT=dapr, the sidecar's binding;
 * else SMTP_URL through nodemailer; with neither, none, said once at start (email deliveries
 * then fail after their retries with "email is not configured").
 */
export function emailTransportFrom(config: Config, logger: Logger): EmailTransport {
  if (config.EMAIL_TRANSPORT === 'dapr') {
    logger.warn(
      { binding: config.EMAIL_BINDING },
      'emails go through the Dapr bindings.smtp binding: HTML only, without Message-ID and List-Unsubscribe headers (docs/notifications.md)',
    );
    const dapr = createDaprClient({
      httpPort: config.DAPR_HTTP_PORT,
      apiToken: config.DAPR_API_TOKEN,
      timeoutMs: config.EMAIL_TIMEOUT_MS,
    });
    return daprEmailTransport(dapr, config.EMAIL_BINDING, { timeoutMs: config.EMAIL_TIMEOUT_MS });
  }
  if (config.SMTP_URL) {
    return smtpTransport(config.SMTP_URL, { timeoutMs: config.EMAIL_TIMEOUT_MS });
  }
  logger.warn(`${EMAIL_NOT_CONFIGURED}; email deliveries will fail after their retries`);
  return unconfiguredEmailTransport();
}
