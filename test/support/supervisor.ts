// A stand-in for the Home Assistant Supervisor's part that an app with `homeassistant_api: true`
// uses: the websocket proxy at ws://supervisor/core/websocket, and the REST proxy at
// http://supervisor/core/api/ (the app's token in, the Supervisor's own out). As the real one does, it answers
// the auth phase itself (the app's SUPERVISOR_TOKEN, nothing else), sends auth_ok, then opens its
// own authenticated connection to Home Assistant (here the project's simulator) and relays frames
// both ways, refusing the supervisor/ and hassio/ commands apps must not reach.
// Processes reach it under the name `supervisor` through supervisor-network.cjs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import WebSocket, { WebSocketServer } from "ws";
import type { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";

/** `node --require` this into a process to make `supervisor:80` lead to a SimulatedSupervisor. */
export const supervisorNetworkHook = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  "supervisor-network.cjs",
);

const DENIED_COMMAND_PREFIXES = ["supervisor/", "hassio/"];
/** The Supervisor gives an app this long to authenticate, as Home Assistant does. */
const AUTH_TIMEOUT_MS = 10_000;

export interface SupervisorOptions {
  /** Home Assistant behind the proxy. */
  home: HomeAssistantSimulator;
  /** The SUPERVISOR_TOKEN of the one app with `homeassistant_api`. */
  appToken: string;
  /** Default: a free port. A restarted Supervisor keeps its address. */
  port?: number;
  /** The user the Supervisor acts as in Home Assistant (its system user "Supervisor" in a generated home). */
  coreUserId?: string;
}

export class SimulatedSupervisor {
  /** App websockets that passed the auth phase. */
  appLogins = 0;
  /** Auth attempts with any other token. */
  refusedLogins = 0;

  private readonly sockets = new Set<WebSocket>();
  private readonly coreToken = "supervisor-own-home-assistant-token";

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly options: SupervisorOptions,
  ) {
    options.home.addToken(
      options.coreUserId === undefined
        ? this.coreToken
        : { token: this.coreToken, userId: options.coreUserId, admin: true, name: "Supervisor" },
    );
  }

  static async start(options: SupervisorOptions): Promise<SimulatedSupervisor> {
    const http = createServer((req, res) => {
      if ((req.url ?? "").startsWith("/core/api/")) {
        supervisor.proxyRest(req, res);
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"result":"error","message":"not simulated"}');
    });
    const supervisor = new SimulatedSupervisor(http, new WebSocketServer({ noServer: true }), options);
    http.on("upgrade", (req, socket: Socket, head) => supervisor.upgrade(req, socket, head));
    await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
    return supervisor;
  }

  /** `127.0.0.1:<port>`, for PATTERN_QUALITY_TEST_SUPERVISOR. */
  get address(): string {
    const { address, port } = this.http.address() as AddressInfo;
    return `${address}:${port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** REST calls made through the proxy (`POST /core/api/config/automation/config/<id>`, …). */
  readonly restCalls: string[] = [];

  /** `/core/api/<path>` with the app's token → Home Assistant's `/api/<path>` with the Supervisor's own. */
  private proxyRest(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.authorization !== `Bearer ${this.options.appToken}`) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("401: Unauthorized");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rest = (req.url ?? "").slice("/core/api/".length);
      this.restCalls.push(`${req.method} ${rest}`);
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${this.options.home.url}/api/${rest}`, {
        method: req.method,
        headers: { authorization: `Bearer ${this.coreToken}`, "content-type": "application/json" },
        body,
      }).then(
        async (answer) => {
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    if ((req.url ?? "").split("?")[0] !== "/core/websocket") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (app) => this.authenticate(app));
  }

  private track(socket: WebSocket): WebSocket {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    return socket;
  }

  private authenticate(app: WebSocket): void {
    this.track(app);
    const haVersion = this.options.home.haVersion;
    app.send(JSON.stringify({ type: "auth_required", ha_version: haVersion }));
    const timer = setTimeout(() => app.close(), AUTH_TIMEOUT_MS);
    app.once("message", (data) => {
      clearTimeout(timer);
      let token: unknown;
      try {
        const message = JSON.parse(String(data));
        token = message.api_password ?? message.access_token;
      } catch {
        token = undefined;
      }
      if (token !== this.options.appToken) {
        this.refusedLogins++;
        app.send(JSON.stringify({ type: "auth_invalid", message: "Invalid access" }));
        app.close();
        return;
      }
      this.appLogins++;
      app.send(JSON.stringify({ type: "auth_ok", ha_version: haVersion }));
      this.relay(app);
    });
  }

  /** After auth_ok: connect to Home Assistant, holding the app's frames until that is done. */
  private relay(app: WebSocket): void {
    const held: string[] = [];
    let ready = false;
    const core = this.track(new WebSocket(this.options.home.websocketUrl));
    app.on("message", (data) => {
      const text = String(data);
      const denied = deniedCommand(text);
      if (denied) {
        app.send(
          JSON.stringify({
            id: denied.id,
            type: "result",
            success: false,
            error: { code: "unauthorized", message: "Unauthorized" },
          }),
        );
      } else if (ready) core.send(text);
      else held.push(text);
    });
    core.on("message", (data) => {
      const text = String(data);
      if (ready) {
        if (app.readyState === WebSocket.OPEN) app.send(text);
        return;
      }
      const message = JSON.parse(text) as { type?: string };
      if (message.type === "auth_required") core.send(JSON.stringify({ type: "auth", access_token: this.coreToken }));
      else if (message.type === "auth_ok") {
        ready = true;
        for (const frame of held.splice(0)) core.send(frame);
      } else app.close();
    });
    app.on("close", () => core.close());
    core.on("close", () => app.close());
    core.on("error", () => app.close());
  }
}

function deniedCommand(text: string): { id: unknown } | null {
  try {
    const message = JSON.parse(text) as { id?: unknown; type?: unknown };
    const type = message.type;
    return typeof type === "string" && DENIED_COMMAND_PREFIXES.some((prefix) => type.startsWith(prefix))
      ? { id: message.id ?? null }
      : null;
  } catch {
    return null;
  }
}
