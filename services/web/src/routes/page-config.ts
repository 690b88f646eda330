import type { App } from '@taskflow/service-kit';

/** What the page reads at start; `''` for a URL means the page's own origin. */
export interface PageConfig {
  dev_sign_in: boolean;
  api_url: string;
  ws_url: string;
}

/**
 * `GET /config.json`: how the page signs in and where it finds task-api and ws-notifier. A page
 * on a static host serves the same file (docs/deployment.md).
 */
export function pageConfigRoute(app: App, config: PageConfig): void {
  app.get('/config.json', { schema: { hide: true } }, async () => config);
}
