// Home Assistant's ingress as an app sees it, for tests: requests to /api/hassio_ingress/<token>/…
// are let through only with a valid ingress session (the `ingress_session` cookie Home Assistant
// sets for a logged-in user), then forwarded to the app's ingress port with the prefix removed,
// from the one address an app must accept (172.30.32.2 there; `fromAddress` here), carrying
// X-Ingress-Path and the user's X-Remote-User-* headers (those a browser sends are dropped) and
// an appended X-Forwarded-For. Websockets are relayed too.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface IngressUser {
  id: string;
  username: string;
  name: string;
}

export interface IngressProxyOptions {
  appPort: number;
  /** The address the proxy connects from, standing for 172.30.32.2. */
  fromAddress: string;
  user?: IngressUser;
}

const USER_HEADERS = ["x-remote-user-id", "x-remote-user-name", "x-remote-user-display-name"];
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade"];

export class IngressProxy {
  /** The session cookie's value a logged-in browser holds. */
  readonly session = randomBytes(16).toString("hex");
  /** What X-Ingress-Path says: the app's base path as the browser sees it. */
  readonly ingressPath = `/api/hassio_ingress/${randomBytes(12).toString("base64url")}`;
  /** Requests and websockets let through to the app. */
  forwarded = 0;
  /** Requests refused for want of a session. */
  refused = 0;

  private readonly sockets = new Set<Socket>();
  private readonly user: IngressUser;

  private constructor(
    private readonly http: Server,
    private readonly options: IngressProxyOptions,
  ) {
    this.user = options.user ?? { id: "5e1d0f6a2b", username: "anna", name: "Anna" };
  }

  static async start(options: IngressProxyOptions): Promise<IngressProxy> {
    const http = createServer();
    const proxy = new IngressProxy(http, options);
    http.on("request", (req, res) => proxy.forward(req, res));
    http.on("upgrade", (req, socket: Socket, head) => proxy.forwardUpgrade(req, socket, head));
    http.on("connection", (socket: Socket) => proxy.track(socket));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** http://127.0.0.1:<port>, Home Assistant's address as the browser knows it. */
  get origin(): string {
    const { address, port } = this.http.address() as AddressInfo;
    return `http://${address}:${port}`;
  }

  /** The app's entry page through ingress (what the sidebar panel opens). */
  get entry(): string {
    return `${this.origin}${this.ingressPath}/`;
  }

  /** The cookie a logged-in browser sends. */
  get cookie(): string {
    return `ingress_session=${this.session}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** The path on the app for a request the proxy lets through, else the status refusing it. */
  private route(req: IncomingMessage): { path: string } | { status: number } {
    const url = req.url ?? "/";
    if (!url.startsWith(`${this.ingressPath}/`)) return { status: 404 };
    const cookies = (req.headers.cookie ?? "").split(";").map((c) => c.trim());
    if (!cookies.includes(this.cookie)) {
      this.refused++;
      return { status: 401 };
    }
    this.forwarded++;
    return { path: url.slice(this.ingressPath.length) };
  }

  private upstreamHeaders(req: IncomingMessage, keep: string[] = []): IncomingHttpHeaders {
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (USER_HEADERS.includes(name) || (HOP_BY_HOP.includes(name) && !keep.includes(name))) continue;
      headers[name] = value;
    }
    headers["x-ingress-path"] = this.ingressPath;
    headers["x-remote-user-id"] = this.user.id;
    headers["x-remote-user-name"] = this.user.username;
    headers["x-remote-user-display-name"] = this.user.name;
    const forwardedFor = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = `${forwardedFor ? `${forwardedFor}, ` : ""}${req.socket.remoteAddress}`;
    return headers;
  }

  private upstream(req: IncomingMessage, path: string, headers: IncomingHttpHeaders) {
    return request({
      host: "127.0.0.1",
      port: this.options.appPort,
      localAddress: this.options.fromAddress,
      method: req.method,
      path,
      headers,
    });
  }

  private forward(req: IncomingMessage, res: import("node:http").ServerResponse): void {
    const route = this.route(req);
    if ("status" in route) {
      res.writeHead(route.status).end();
      return;
    }
    const upstream = this.upstream(req, route.path, this.upstreamHeaders(req));
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  private forwardUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.track(socket);
    const route = this.route(req);
    if ("status" in route) {
      socket.end(`HTTP/1.1 ${route.status} ${route.status === 401 ? "Unauthorized" : "Not Found"}\r\n\r\n`);
      return;
    }
    const upstream = this.upstream(req, route.path, this.upstreamHeaders(req, ["connection", "upgrade"]));
    upstream.on("upgrade", (answer, appSocket, appHead) => {
      this.track(appSocket);
      const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? "Switching Protocols"}`];
      for (let i = 0; i < answer.rawHeaders.length; i += 2)
        lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (appHead.length > 0) socket.write(appHead);
      if (head.length > 0) appSocket.write(head);
      appSocket.pipe(socket).pipe(appSocket);
      appSocket.on("error", () => socket.destroy());
      socket.on("error", () => appSocket.destroy());
    });
    upstream.on("response", (answer) => {
      socket.end(`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}\r\n\r\n`);
      answer.resume();
    });
    upstream.on("error", () => socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
    upstream.end();
  }
}
