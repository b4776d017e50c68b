import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RobotRequest {
  /** The path without the query string. */
  readonly path: string;
  /** The query parameters (DingTalk's timestamp and sign). */
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** How a path answers its n-th request (0-based): status and JSON body. */
export type RobotBehaviour = (n: number, request: RobotRequest) => { status: number; body: object };

/** A stand-in for WeCom / DingTalk group robots on 127.0.0.1, on a random port. */
export class HttpRobot {
  readonly requests: RobotRequest[] = [];
  private readonly behaviours = new Map<string, RobotBehaviour>();
  private readonly counts = new Map<string, number>();
  private server: Server | null = null;
  private port = 0;

  on(path: string, behaviour: RobotBehaviour): this {
    this.behaviours.set(path, behaviour);
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  requestsTo(path: string): RobotRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const [path = '/', search = ''] = (req.url ?? '/').split('?', 2);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const request = { path, query: new URLSearchParams(search), body };
      this.requests.push(request);
      const n = this.counts.get(path) ?? 0;
      this.counts.set(path, n + 1);
      const behaviour = this.behaviours.get(path) ?? (() => ({ status: 404, body: {} }));
      const answer = behaviour(n, request);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  }
}

export const OK = { errcode: 0, errmsg: 'ok' };
