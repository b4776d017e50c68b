import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface WebAppOptions {
  /** The built app's folder (Vite's outDir), absolute. */
  readonly root: string;
  /** The global prefix of the api's routes (`api`): never answered with the app. */
  readonly apiPrefix: string;
}

/** Vite's hashed output: a new build writes new names, so a browser may keep these for ever. */
const HASHED_ASSETS = '/assets/';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and the app's other unhashed files: asked again (304 when unchanged). */
export const REVALIDATE = 'no-cache';

/** Paths that name a static file: a miss is a 404, never the app's page. */
const FILE_LIKE =
  /\.(?:js|mjs|css|map|ico|png|jpe?g|gif|svg|webp|woff2?|ttf|txt|json|webmanifest)$/i;

/** What `/` answers while the app is not built (no index.html in the folder). */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>网页应用尚未构建</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.6">
<h1>网页应用尚未构建</h1>
<p>接口服务已启动，但网页应用还没有构建。请在项目目录运行 <code>npm run build:web</code>，然后刷新本页。</p>
<p>接口文档：<a href="/api/docs">/api/docs</a></p>
</body></html>
`;

/**
 * Serves the built web app beside the api: a GET (or HEAD) outside `/<apiPrefix>` answers the
 * file it names in `root`, or else index.html, so a deep link (`/inbox`, `/instances/<id>`)
 * opens the app, which routes it. Under the prefix nothing is served from here: a path no api
 * route matched goes to the not-found handler (the api's JSON 404). A miss under `/assets/` or
 * of a path naming a static file (`.js`, `.png`, …) is a 404 too, not the app's page.
 *
 * Cache: `/assets/*` (hashed by Vite) `public, max-age=31536000, immutable`; index.html and
 * any other file `no-cache` (revalidated by ETag / Last-Modified). A file with a `.br` / `.gz`
 * sibling (written at build) is sent compressed to a client that accepts it.
 *
 * The folder is looked at per request, so a build made while the api runs is served at once;
 * without index.html every such path answers NOT_BUILT_PAGE (503).
 */
export async function webAppPlugin(
  fastify: FastifyInstance,
  options: WebAppOptions,
): Promise<void> {
  const root = resolve(options.root);
  const prefix = `/${options.apiPrefix.replace(/^\/+|\/+$/g, '')}`.toLowerCase();
  await fastify.register(fastifyStatic, {
    serve: false,
    decorateReply: true,
    preCompressed: true,
    dotfiles: 'deny',
    index: false,
    cacheControl: false,
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const url = request.raw.url ?? '/';
    const query = url.indexOf('?');
    const rawPath = query < 0 ? url : url.slice(0, query);
    const lower = rawPath.toLowerCase();
    if (prefix !== '/' && (lower === prefix || lower.startsWith(`${prefix}/`))) {
      return notFound(reply);
    }
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return notFound(reply);
    }
    if (!(await isFile(root, '/index.html'))) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_BUILT_PAGE);
    }
    reply.header('x-content-type-options', 'nosniff');
    reply.header('vary', 'Accept-Encoding');
    if (path !== '/' && (await isFile(root, path))) {
      reply.header('cache-control', path.startsWith(HASHED_ASSETS) ? IMMUTABLE : REVALIDATE);
      return reply.sendFile(path, root);
    }
    if (path.startsWith(HASHED_ASSETS) || FILE_LIKE.test(path)) {
      return notFound(reply);
    }
    reply.header('cache-control', REVALIDATE);
    return reply.sendFile('index.html', root);
  };
  fastify.get('/', handler);
  fastify.get('/*', handler);
}

/** The not-found handler's answer (the api's JSON 404 under its prefix, a plain one elsewhere). */
function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

/**
 * Whether `path` (decoded, from the URL) names a regular file inside `root`: no NUL, no
 * segment starting with a dot (`..`, `.env`), nothing outside the folder.
 */
async function isFile(root: string, path: string): Promise<boolean> {
  if (path.includes('\0') || path.split('/').some((segment) => segment.startsWith('.'))) {
    return false;
  }
  const target = resolve(root, `.${path}`);
  const inside = relative(root, target);
  if (inside === '' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return false;
  try {
    return (await stat(target)).isFile();
  } catch {
    return false;
  }
}
