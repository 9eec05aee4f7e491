// GET /api/v1/openapi.json: the API's OpenAPI document.
import { Hono } from 'hono';
import { openApiDocument } from '../openapi.ts';

export function openApiRoutes(version: string): Hono {
  const app = new Hono();
  const doc = openApiDocument(version);
  app.get('/api/v1/openapi.json', (c) => c.json(doc));
  return app;
}
