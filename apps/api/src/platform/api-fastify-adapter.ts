import { METHODS } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Readable } from 'node:stream';
import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import bodyParser from 'body-parser';
import createETag from 'etag';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import finalhandler from 'finalhandler';
import fresh from 'fresh';
import { HttpProblem } from '../common/http-problem.js';
import { invalidRequest } from '../common/validation.js';
import { type InputProblem, jsonProblem, paramsProblem } from './input-guard.js';

export interface ApiBodyOptions {
  /** Largest JSON body (`application/json`), in body-parser's notation, e.g. `1mb`. */
  readonly jsonLimit: string;
  /** The media types read as text (type-is patterns, e.g. `application/*+xml`). */
  readonly textTypes: readonly string[];
  /** Largest text body, e.g. `5mb`. */
  readonly textLimit: string;
  /** Deepest nesting of a JSON body (the body itself is level 1). */
  readonly jsonMaxDepth: number;
}

export interface ApiPlatformOptions extends ApiBodyOptions {
  /** Fastify's `trustProxy`: whose `X-Forwarded-For` names the client (`request.ip`). */
  readonly trustProxy: boolean | number | string[];
}

/** Methods Fastify parses a body for; here none of them is (see ApiFastifyAdapter). */
const BODY_METHODS = ['DELETE', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY'];

/**
 * The api's Fastify adapter. Fastify serves the routes; what a client sees stays what the
 * express app answered:
 *
 * - Bodies are read by body-parser's JSON and text parsers (the ones express used), for every
 *   request and method, before the guards: same types, limits (413), charsets (415),
 *   `Content-Encoding` inflation, strict JSON and its messages (400), an empty JSON body read
 *   as `{}`. Any other body is left unread on `request.raw` for the handler (attachments).
 * - What PostgreSQL cannot store or later code cannot walk is refused there with a 400 naming
 *   the field: a NUL character or an unpaired surrogate in any string or key of the JSON body,
 *   the text body, the query or the path parameters, and a JSON body nested deeper than
 *   `jsonMaxDepth` (see input-guard.ts).
 *   Fastify's own content-type parsing is switched off: it would answer 415 before the route
 *   for a content type nobody registered.
 * - Responses sent whole (JSON, text) carry express's weak `ETag`, and a GET/HEAD whose
 *   `If-None-Match` / `If-Modified-Since` matches is answered 304, as `res.send` did.
 * - Routing ignores case and a trailing slash, and a route parameter has no length limit;
 *   the query string is parsed by node:querystring (express's `simple` query parser).
 * - Node's HTTP server defaults (keep-alive 5 s, request timeout 300 s, its own answer to a
 *   malformed request) instead of Fastify's; no Fastify 503 while closing.
 * - A path outside the global prefix that matches nothing gets express's HTML 404
 *   (finalhandler); under the prefix Nest's not-found handler answers (JSON).
 */
export class ApiFastifyAdapter extends FastifyAdapter {
  private errorHandler: ((error: Error, request: unknown, reply: unknown) => unknown) | null = null;

  constructor(options: ApiPlatformOptions) {
    super({
      // a hop count as proxy-addr's function form (Nest's option type lacks the number form)
      trustProxy:
        typeof options.trustProxy === 'number' ? trustHops(options.trustProxy) : options.trustProxy,
      // A malformed percent-encoding in the path: express's 400, through the exception filter
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        if (error.code === 'FST_ERR_BAD_URL' && this.errorHandler) {
          const segment = badSegment(request.raw.url ?? '');
          this.errorHandler(
            new BadRequestException(`Failed to decode param '${segment}'`),
            request,
            reply,
          );
          return;
        }
        void reply.send(error);
      },
      keepAliveTimeout: 5_000,
      requestTimeout: 300_000,
      return503OnClosing: false,
      routerOptions: {
        caseSensitive: false,
        ignoreTrailingSlash: true,
        maxParamLength: Number.MAX_SAFE_INTEGER,
        querystringParser: (text: string) => parseQuery(text),
      },
    });
    const instance = this.getInstance();
    // Node answers a malformed request itself when nobody listens (400 / 408 / 431 and
    // `Connection: close`, no body); Fastify's listener would answer with a JSON body.
    instance.server.removeAllListeners('clientError');
    instance.removeAllContentTypeParsers();
    for (const method of BODY_METHODS) {
      if (METHODS.includes(method)) {
        instance.addHttpMethod(method, { hasBody: false, overrideExisting: true });
      }
    }
    instance.addHook('preValidation', bodyParsers(options));
    instance.addHook('onSend', weakETag);
  }

  override setErrorHandler(handler: Parameters<FastifyAdapter['setErrorHandler']>[0]) {
    this.errorHandler = handler as unknown as typeof this.errorHandler;
    return super.setErrorHandler(handler);
  }

  /** Nest's handler for paths under the global prefix; express's plain 404 elsewhere. */
  override setNotFoundHandler(
    handler: (request: FastifyRequest, reply: FastifyReply) => unknown,
    prefix?: string,
  ) {
    const underPrefix = prefixMatcher(prefix);
    return super.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      if (underPrefix(request.raw.url ?? '/')) {
        return handler(request, reply);
      }
      reply.hijack();
      finalhandler(request.raw, reply.raw)(undefined);
      return undefined;
    });
  }
}

/** Runs the JSON then the text parser on the raw request, as express's middleware did. */
function bodyParsers(options: ApiBodyOptions) {
  const json = bodyParser.json({ limit: options.jsonLimit });
  const text = bodyParser.text({ type: [...options.textTypes], limit: options.textLimit });
  return (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const raw = request.raw as FastifyRequest['raw'] & { body?: unknown };
    const headers = raw.headers;
    const inPath = paramsProblem(request.params) ?? paramsProblem(request.query);
    if (inPath) {
      done(refusal(inPath));
      return;
    }
    // No body (type-is' hasBody): nothing for either parser to do
    if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
      done();
      return;
    }
    json(raw, reply.raw, (error?: unknown) => {
      if (error) {
        done(error as Error);
        return;
      }
      text(raw, reply.raw, (error?: unknown) => {
        if (error) {
          done(error as Error);
          return;
        }
        const inBody = jsonProblem(raw.body, options.jsonMaxDepth);
        if (inBody) {
          done(refusal(inBody));
          return;
        }
        request.body = raw.body;
        done();
      });
    });
  };
}

/** Trusts the `hops` nearest proxies (proxy-addr counts hops from the socket, from 0). */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/** The 400 for input that cannot be taken, naming the field (VALIDATION_FAILED, in Chinese). */
function refusal(problem: InputProblem): HttpProblem {
  return invalidRequest([
    { field: problem.field, message: `${problem.field} ${inChinese(problem.message)}` },
  ]);
}

/** input-guard's reasons (English, shared with other callers) as a person reads them here. */
function inChinese(reason: string): string {
  const key = /^\(a key\) (.*)$/.exec(reason);
  if (key) return `的键名${inChinese(key[1])}`;
  if (reason === 'must not contain the NUL character (\\u0000)')
    return '不能包含 NUL 字符（\\u0000）';
  const surrogate = /^must not contain an unpaired UTF-16 surrogate \((.*)\)$/.exec(reason);
  if (surrogate) return `不能包含不成对的 UTF-16 代理字符（${surrogate[1]}）`;
  const deep = /^nests deeper than (\d+) levels of arrays and objects$/.exec(reason);
  if (deep) return `嵌套超过 ${deep[1]} 层数组和对象`;
  return `不可接受（${reason}）`;
}

/**
 * Express's `res.send`: a text body's type names its charset, a weak ETag of the body, and 304
 * when the client has it already.
 */
function weakETag(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
): void {
  if ((typeof payload !== 'string' && !Buffer.isBuffer(payload)) || reply.hasHeader('etag')) {
    done(null, payload);
    return;
  }
  const type = reply.getHeader('content-type');
  if (typeof payload === 'string' && typeof type === 'string' && !/;\s*charset=/i.test(type)) {
    // A text body goes out as UTF-8, and says so (e.g. the docs' HTML and script)
    reply.header('content-type', `${type}; charset=utf-8`);
  }
  reply.header('etag', createETag(payload, { weak: true }));
  const method = request.raw.method;
  const status = reply.statusCode;
  const isFresh =
    (method === 'GET' || method === 'HEAD') &&
    ((status >= 200 && status < 300) || status === 304) &&
    fresh(request.headers, {
      etag: reply.getHeader('etag'),
      'last-modified': reply.getHeader('last-modified'),
    });
  if (!isFresh) {
    done(null, payload);
    return;
  }
  reply.code(304);
  reply.removeHeader('content-type');
  reply.removeHeader('content-length');
  reply.removeHeader('transfer-encoding');
  // Fastify's HEAD route would give an empty body a `Content-Length: 0`; it only resumes a
  // stream. A GET sends no body for a 304 with no payload.
  done(null, method === 'HEAD' ? Readable.from([]) : null);
}

/** The first path segment that is not valid percent-encoding (the parameter express names). */
function badSegment(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  for (const segment of path.split('/')) {
    try {
      decodeURIComponent(segment);
    } catch {
      return segment;
    }
  }
  return path;
}

/**
 * Whether a request target is under the prefix as express mounted Nest's not-found handler
 * (`app.use(prefix, …)`): the raw path, any case, the prefix then `/` or the end.
 */
function prefixMatcher(prefix: string | undefined): (url: string) => boolean {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '').toLowerCase();
  if (trimmed === '') return () => true;
  const normalised = `/${trimmed}`;
  return (url) => {
    const query = url.indexOf('?');
    const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
    return path === normalised || path.startsWith(`${normalised}/`);
  };
}
