/** The HS256 secret of local development (`pnpm dev`, `pnpm token`). Never deploy it. */
export const DEV_JWT_SECRET = 'taskflow-local-development-secret-do-not-deploy';
