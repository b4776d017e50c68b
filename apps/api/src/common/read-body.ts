import type { FastifyRequest } from 'fastify';

/** What a route answers when a raw body is not the file it takes. */
export interface BodyErrors {
  /** The body is over the route's limit (it was read to its end, not kept). */
  readonly tooLarge: (maxBytes: number) => Error;
  /** The app's JSON parser took the body: it is a request, not a file. */
  readonly notAFile: () => Error;
}

/**
 * The raw request body of a route that takes a file as its body (evidence, a roster), at most
 * `maxBytes`. A larger body is read to its end (so the client gets the answer instead of a
 * reset connection) but not kept, and refused with `errors.tooLarge`. A body one of the app's
 * parsers already took (see ApiFastifyAdapter) is kept as its UTF-8 bytes when it was text
 * (XML), refused with `errors.notAFile` when it was JSON.
 */
export async function readBody(
  request: FastifyRequest,
  maxBytes: number,
  errors: BodyErrors,
): Promise<Buffer> {
  const raw = request.raw;
  if (raw.readableEnded) {
    const body = request.body;
    if (Buffer.isBuffer(body)) {
      if (body.length > maxBytes) throw errors.tooLarge(maxBytes);
      return body;
    }
    if (typeof body === 'string') {
      const text = Buffer.from(body, 'utf8');
      if (text.length > maxBytes) throw errors.tooLarge(maxBytes);
      return text;
    }
    throw errors.notAFile();
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks.length = 0;
    });
    raw.on('end', () =>
      size > maxBytes ? reject(errors.tooLarge(maxBytes)) : resolve(Buffer.concat(chunks)),
    );
    raw.on('error', reject);
  });
}

/**
 * Reads what is left of a request body and drops it, so the answer to a refused upload reaches
 * the client instead of a reset connection. Resolves at the body's end (or when the
 * connection closes).
 */
export function drainBody(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    raw.once('end', () => resolve());
    raw.once('close', () => resolve());
    raw.once('error', () => resolve());
    // a parser it was piped into (busboy) may have stopped reading: nothing is parsed any more
    raw.unpipe();
    raw.resume();
  });
}
