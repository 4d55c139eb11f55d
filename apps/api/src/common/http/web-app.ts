import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { isApiPath, pathOf } from './paths';

/**
 * The built web app at `/`: its files (cached for an hour, their names carry
 * a hash), and index.html, never cached, for every other GET that is not the
 * API, the gateway or metrics, so the app's own routes load on a reload. The
 * files are listed once at start (`wildcard: false`): the API never looks
 * for a file on disk.
 */
export async function serveWebApp(
  app: FastifyInstance,
  dir: string,
): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    index: false,
    wildcard: false,
    maxAge: '1h',
  });
  app.get('/*', (req, reply) => {
    if (isApiPath(pathOf(req.url))) return reply.callNotFound();
    return reply
      .header('Cache-Control', 'no-cache')
      .sendFile('index.html', { cacheControl: false });
  });
}
