import { fileURLToPath } from 'node:url';
import { createApp, registerHealth, type App, type Logger } from '@taskflow/service-kit';
import type { Config } from './config.ts';
import { apiGateway } from './gateway/http.ts';
import { upgradeGateway } from './gateway/upgrade.ts';
import { signInRoutes } from './routes/dev-sign-in.ts';
import { pageConfigRoute } from './routes/page-config.ts';
import { staticRoutes } from './routes/static.ts';

export interface WebDeps {
  config: Pick<
    Config,
    | 'ENVIRONMENT'
    | 'AUTH_JWT_SECRET'
    | 'TASK_API_URL'
    | 'WS_NOTIFIER_URL'
    | 'PUBLIC_API_URL'
    | 'PUBLIC_WS_URL'
  >;
  logger: Logger;
  /** The built page; default: this package's dist/public. */
  publicDir?: string;
}

const builtPage = fileURLToPath(new URL('../dist/public/', import.meta.url));

/** The web app, without listening. */
export async function buildWeb({ config, logger, publicDir = builtPage }: WebDeps): Promise<App> {
  const app = createApp({ logger });
  registerHealth(app, []);
  const elsewhere = [config.PUBLIC_API_URL, config.PUBLIC_WS_URL].filter(
    (url) => url !== undefined,
  );
  staticRoutes(app, publicDir, elsewhere);
  const devSignIn = config.ENVIRONMENT === 'local';
  if (devSignIn) logger.warn('ENVIRONMENT=local: dev sign-in issues tokens for any user');
  pageConfigRoute(app, {
    dev_sign_in: devSignIn,
    api_url: config.PUBLIC_API_URL ?? '',
    ws_url: config.PUBLIC_WS_URL ?? '',
  });
  signInRoutes(app, devSignIn ? config.AUTH_JWT_SECRET : undefined);
  if (config.TASK_API_URL) await apiGateway(app, new URL(config.TASK_API_URL));
  if (config.WS_NOTIFIER_URL) {
    const sockets = upgradeGateway(
      app.server,
      config.WS_NOTIFIER_URL.map((url) => new URL(url)),
      logger,
    );
    // The page reconnects (to this gateway restarted, or elsewhere) when its socket drops.
    app.addHook('preClose', async () => sockets.closeAll());
  }
  return app;
}
