// The hono application: request ids, structured logs, the error mapping, and the routes.
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import { ApiError, errorResponse } from './errors.ts';
import { healthRoutes, type HealthDeps } from './routes/health.ts';
import { apiRoutes, type ApiDeps } from './api.ts';
import { uiRoutes } from '../ui/index.ts';

export interface AppDeps extends HealthDeps {
  logger: Logger;
  /** The ingest API (submissions, records, events, metrics, OpenAPI); absent in tests of health alone. */
  api?: ApiDeps;
}

export type AppEnv = { Variables: { requestId: string } };

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });

  app.route('/', healthRoutes(deps));
  if (deps.api) app.route('/', apiRoutes(deps.api));
  if (deps.api) app.route('/', uiRoutes(deps.api));

  app.notFound((c) => errorResponse(c, 'not_found', `没有这个地址 (no such route): ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err.code, err.message);
    deps.logger.error({ requestId: c.get('requestId'), err }, 'unhandled error');
    return errorResponse(c, 'internal', '服务内部错误 (internal error); quote the request id when reporting it');
  });
  return app;
}
