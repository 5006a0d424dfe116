import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * A stand-in for Home Assistant that speaks its websocket protocol (auth phase, commands,
 * results with HA's error codes, event subscriptions with the non-admin allowlist) and a little
 * of its REST API, plus a control surface for tests and demos: fire events, change states, drop
 * connections, revoke tokens, restart.
 */

/** A user's access token: admins may subscribe to any event, others only to the allowlist. */
export interface SimulatedToken {
  token: string;
  admin?: boolean;
  userId?: string;
  name?: string;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Valid tokens; plain strings are admin tokens. */
  tokens?: (string | SimulatedToken)[];
  haVersion?: string;
  /** Notify services besides `notify.notify` (e.g. "mobile_app_phone"). */
  notifyServices?: string[];
}

/** A service call as received, for tests to check alerts and questions. */
export interface RecordedServiceCall {
  domain: string;
  service: string;
  serviceData: Record<string, unknown>;
  target?: Record<string, unknown>;
  userId: string;
  time: string;
}

export interface SimulatedState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
  context: SimulatedContext;
}

export interface SimulatedContext {
  id: string;
  parent_id: string | null;
  user_id: string | null;
}

export interface SimulatedEvent {
  event_type: string;
  data: Record<string, unknown>;
  origin: "LOCAL" | "REMOTE";
  time_fired: string;
  context: SimulatedContext;
}

/**
 * Events a non-admin user may subscribe to: Home Assistant's SUBSCRIBE_ALLOWLIST
 * (homeassistant/auth/permissions/events.py).
 */
export const SUBSCRIBE_ALLOWLIST: ReadonlySet<string> = new Set([
  "area_registry_updated",
  "component_loaded",
  "core_config_updated",
  "device_registry_updated",
  "entity_registry_updated",
  "repairs_issue_registry_updated",
  "lovelace_updated",
  "panels_updated",
  "recorder_5min_statistics_generated",
  "recorder_hourly_statistics_generated",
  "service_registered",
  "service_removed",
  "shopping_list_updated",
  "state_changed",
  "themes_updated",
]);

const MATCH_ALL = "*";
const WEBSOCKET_PATHS = new Set(["/api/websocket", "/core/websocket"]);

interface Client {
  socket: WebSocket;
  user?: SimulatedToken & { userId: string; name: string; admin: boolean };
  lastId: number;
  coalesce: boolean;
  subscriptions: Map<number, string>;
  outbox: unknown[];
  frozen: boolean;
}

/** A Home Assistant stand-in on 127.0.0.1, faithful to the parts of the protocol this package uses. */
export class HomeAssistantSimulator {
  readonly haVersion: string;
  /** Every service call received, in order. */
  readonly serviceCalls: RecordedServiceCall[] = [];
  /** Websocket connections opened (including refused ones during a restart). */
  connectionAttempts = 0;
  /** Auth messages received, valid or not. */
  authAttempts = 0;

  private readonly tokens = new Map<string, SimulatedToken & { userId: string; name: string; admin: boolean }>();
  private readonly clients = new Set<Client>();
  private readonly states = new Map<string, SimulatedState>();
  private readonly services: Map<string, Set<string>>;
  private readonly failures = new Map<string, { code: string; message: string }>();
  private refusing = false;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    options: SimulatorOptions,
  ) {
    this.haVersion = options.haVersion ?? "2026.11.0";
    for (const token of options.tokens ?? []) this.addToken(token);
    this.services = new Map([
      ["persistent_notification", new Set(["create", "dismiss", "dismiss_all"])],
      ["notify", new Set(["notify", "persistent_notification", ...(options.notifyServices ?? [])])],
      ["input_select", new Set(["select_option"])],
      ["automation", new Set(["turn_on", "turn_off", "trigger"])],
      ["homeassistant", new Set(["restart"])],
    ]);
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: SimulatorOptions = {}): Promise<HomeAssistantSimulator> {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const simulator = new HomeAssistantSimulator(http, wss, options);
    http.on("request", (req, res) => simulator.handleHttp(req, res));
    http.on("upgrade", (req, socket: Socket, head) => simulator.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        http.off("error", reject);
        resolve();
      });
    });
    return simulator;
  }

  /** Base URL for REST, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    const address = this.http.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  /** The websocket endpoint, as Home Assistant serves it. */
  get websocketUrl(): string {
    return `${this.url.replace(/^http/, "ws")}/api/websocket`;
  }

  /** Open, authenticated websocket connections. */
  get connectionCount(): number {
    return [...this.clients].filter((c) => c.user !== undefined).length;
  }

  /** Subscriptions currently held across connections, per event type. */
  subscriptionCount(eventType: string): number {
    let count = 0;
    for (const client of this.clients)
      for (const type of client.subscriptions.values()) if (type === eventType) count++;
    return count;
  }

  /** Accepts another token; a string is an admin token. */
  addToken(token: string | SimulatedToken): SimulatedToken {
    const entry = typeof token === "string" ? { token } : token;
    const n = this.tokens.size + 1;
    const full = {
      ...entry,
      admin: entry.admin ?? true,
      userId: entry.userId ?? randomBytes(16).toString("hex"),
      name: entry.name ?? `User ${n}`,
    };
    this.tokens.set(full.token, full);
    return full;
  }

  /** Makes a token invalid and closes its connections, as Home Assistant does when a token is deleted. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
    for (const client of this.clients) if (client.user?.token === token) client.socket.close(1000);
  }

  /** Fires an event on the bus: subscribers get it; returns it as sent. */
  fireEvent(
    eventType: string,
    data: Record<string, unknown> = {},
    options: { origin?: "LOCAL" | "REMOTE"; userId?: string | null; contextId?: string } = {},
  ): SimulatedEvent {
    const event: SimulatedEvent = {
      event_type: eventType,
      data,
      origin: options.origin ?? "LOCAL",
      time_fired: new Date().toISOString(),
      context: { id: options.contextId ?? newContextId(), parent_id: null, user_id: options.userId ?? null },
    };
    for (const client of this.clients) {
      for (const [id, type] of client.subscriptions) {
        if (type === eventType || type === MATCH_ALL) this.send(client, { id, type: "event", event });
      }
    }
    return event;
  }

  /** Sets an entity's state and fires `state_changed`, as an integration would. */
  setState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown> = {},
    userId: string | null = null,
  ): SimulatedState {
    const now = new Date().toISOString();
    const old = this.states.get(entityId);
    const context = { id: newContextId(), parent_id: null, user_id: userId };
    const next: SimulatedState = {
      entity_id: entityId,
      state,
      attributes,
      last_changed: old !== undefined && old.state === state ? old.last_changed : now,
      last_updated: now,
      context,
    };
    this.states.set(entityId, next);
    this.fireEvent(
      "state_changed",
      { entity_id: entityId, old_state: old ?? null, new_state: next },
      { contextId: context.id, userId },
    );
    return next;
  }

  /** Deletes an entity: `entity_registry_updated` (action remove) and a `state_changed` to null. */
  removeEntity(entityId: string): void {
    const old = this.states.get(entityId) ?? null;
    this.states.delete(entityId);
    this.fireEvent("entity_registry_updated", { action: "remove", entity_id: entityId });
    this.fireEvent("state_changed", { entity_id: entityId, old_state: old, new_state: null });
  }

  /** The current state of an entity, if any. */
  getState(entityId: string): SimulatedState | undefined {
    return this.states.get(entityId);
  }

  /** Makes the next command of this type fail with this Home Assistant error code. */
  failNextCommand(type: string, code = "home_assistant_error", message = "Simulated failure"): void {
    this.failures.set(type, { code, message });
  }

  /** Kills every connection at once, as a network outage would. */
  dropConnections(): void {
    for (const client of this.clients) client.socket.terminate();
  }

  /** Stops answering on current connections without closing them: a half-open socket. */
  freezeConnections(): void {
    for (const client of this.clients) client.frozen = true;
  }

  /** Drops every connection and refuses new ones for `downMs`, as a Home Assistant restart does. */
  restart(downMs = 500): Promise<void> {
    this.refusing = true;
    this.dropConnections();
    clearTimeout(this.restartTimer);
    return new Promise((resolve) => {
      this.restartTimer = setTimeout(() => {
        this.refusing = false;
        resolve();
      }, downMs);
    });
  }

  /** Closes all connections and the server. */
  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.dropConnections();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.connectionAttempts++;
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (this.refusing || !WEBSOCKET_PATHS.has(path)) {
      socket.end(this.refusing ? "HTTP/1.1 502 Bad Gateway\r\n\r\n" : "HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    const client: Client = { socket, lastId: 0, coalesce: false, subscriptions: new Map(), outbox: [], frozen: false };
    this.clients.add(client);
    socket.on("close", () => this.clients.delete(client));
    socket.on("error", () => socket.terminate());
    socket.on("message", (raw, isBinary) => {
      if (client.frozen) return;
      let message: unknown;
      try {
        message = JSON.parse(isBinary ? "" : raw.toString());
      } catch {
        // Home Assistant disconnects a client that sends something other than JSON.
        socket.close(1003);
        return;
      }
      if (client.user === undefined) this.authenticate(client, message);
      else this.handleCommand(client, message);
    });
    socket.send(JSON.stringify({ type: "auth_required", ha_version: this.haVersion }));
  }

  private authenticate(client: Client, message: unknown): void {
    this.authAttempts++;
    const m = message as { type?: unknown; access_token?: unknown };
    if (!isRecord(message) || m.type !== "auth" || typeof m.access_token !== "string") {
      client.socket.send(
        JSON.stringify({
          type: "auth_invalid",
          message: "Auth message incorrectly formatted: expected type auth with access_token",
        }),
      );
      client.socket.close();
      return;
    }
    const user = this.tokens.get(m.access_token);
    if (user === undefined) {
      client.socket.send(JSON.stringify({ type: "auth_invalid", message: "Invalid access token or password" }));
      client.socket.close();
      return;
    }
    client.user = user;
    client.socket.send(JSON.stringify({ type: "auth_ok", ha_version: this.haVersion }));
  }

  private handleCommand(client: Client, message: unknown): void {
    const m = message as Record<string, unknown>;
    if (!isRecord(message) || typeof m.id !== "number" || !Number.isInteger(m.id) || typeof m.type !== "string") {
      this.error(
        client,
        isRecord(message) && typeof m.id === "number" ? m.id : null,
        "invalid_format",
        "Message incorrectly formatted.",
      );
      return;
    }
    const id = m.id;
    if (id <= client.lastId) {
      this.error(client, id, "id_reuse", "Identifier values have to increase.");
      return;
    }
    client.lastId = id;
    const failure = this.failures.get(m.type);
    if (failure !== undefined) {
      this.failures.delete(m.type);
      return this.error(client, id, failure.code, failure.message);
    }
    const user = client.user!;
    switch (m.type) {
      case "supported_features":
        client.coalesce = isRecord(m.features) && m.features.coalesce_messages === 1;
        return this.result(client, id, null);
      case "ping":
        return this.send(client, { id, type: "pong" });
      case "subscribe_events": {
        const eventType = m.event_type ?? MATCH_ALL;
        if (typeof eventType !== "string")
          return this.error(client, id, "invalid_format", "expected str for dictionary value @ data['event_type']");
        if (!user.admin && !SUBSCRIBE_ALLOWLIST.has(eventType))
          return this.error(client, id, "unauthorized", "Unauthorized");
        client.subscriptions.set(id, eventType);
        return this.result(client, id, null);
      }
      case "unsubscribe_events": {
        const subscription = m.subscription;
        if (typeof subscription !== "number")
          return this.error(client, id, "invalid_format", "required key not provided @ data['subscription']");
        if (!client.subscriptions.delete(subscription))
          return this.error(client, id, "not_found", "Subscription not found.");
        return this.result(client, id, null);
      }
      case "fire_event": {
        if (!user.admin) return this.error(client, id, "unauthorized", "Unauthorized");
        if (typeof m.event_type !== "string")
          return this.error(client, id, "invalid_format", "required key not provided @ data['event_type']");
        const data = isRecord(m.event_data) ? m.event_data : {};
        const event = this.fireEvent(m.event_type, data, { userId: user.userId });
        return this.result(client, id, { context: event.context });
      }
      case "call_service":
        return this.callService(client, id, m);
      case "get_states":
        return this.result(client, id, [...this.states.values()]);
      case "get_config":
        return this.result(client, id, {
          version: this.haVersion,
          location_name: "Simulated Home",
          time_zone: "UTC",
          unit_system: { length: "km", mass: "g", temperature: "°C", volume: "L" },
          components: [...this.services.keys(), "mobile_app", "websocket_api"],
          state: "RUNNING",
          safe_mode: false,
          recovery_mode: false,
        });
      case "get_services": {
        const services: Record<string, Record<string, { name: string; description: string; fields: object }>> = {};
        for (const [domain, names] of this.services) {
          services[domain] = Object.fromEntries(
            [...names].map((name) => [name, { name, description: "", fields: {} }]),
          );
        }
        return this.result(client, id, services);
      }
      case "auth/current_user":
        return this.result(client, id, {
          id: user.userId,
          name: user.name,
          is_owner: false,
          is_admin: user.admin,
          credentials: [],
          mfa_modules: [],
        });
      default:
        return this.error(client, id, "unknown_command", "Unknown command.");
    }
  }

  private callService(client: Client, id: number, m: Record<string, unknown>): void {
    const { domain, service } = m;
    if (typeof domain !== "string" || typeof service !== "string") {
      return this.error(client, id, "invalid_format", "required key not provided @ data['domain']");
    }
    if (m.service_data !== undefined && !isRecord(m.service_data)) {
      return this.error(client, id, "invalid_format", "expected dict for dictionary value @ data['service_data']");
    }
    if (!this.services.get(domain)?.has(service)) {
      return this.error(client, id, "not_found", `Action ${domain}.${service} not found.`);
    }
    const serviceData = (m.service_data as Record<string, unknown> | undefined) ?? {};
    const call: RecordedServiceCall = {
      domain,
      service,
      serviceData,
      userId: client.user!.userId,
      time: new Date().toISOString(),
    };
    if (isRecord(m.target)) call.target = m.target;
    if (domain === "persistent_notification" && service === "create" && typeof serviceData.message !== "string") {
      return this.error(client, id, "invalid_format", "required key not provided @ data['message']");
    }
    if (domain === "notify" && typeof serviceData.message !== "string") {
      return this.error(client, id, "invalid_format", "required key not provided @ data['message']");
    }
    this.serviceCalls.push(call);
    this.applyService(call);
    this.result(client, id, {
      context: { id: newContextId(), parent_id: null, user_id: client.user!.userId },
      response: null,
    });
  }

  /** The few services whose effect tests and the demo look at. */
  private applyService(call: RecordedServiceCall): void {
    const entityId = call.serviceData.entity_id ?? call.target?.entity_id;
    if (typeof entityId !== "string") return;
    const old = this.states.get(entityId);
    if (
      call.domain === "input_select" &&
      call.service === "select_option" &&
      typeof call.serviceData.option === "string"
    ) {
      this.setState(entityId, call.serviceData.option, old?.attributes ?? {}, call.userId);
    } else if (call.domain === "automation" && (call.service === "turn_on" || call.service === "turn_off")) {
      this.setState(entityId, call.service === "turn_on" ? "on" : "off", old?.attributes ?? {}, call.userId);
    }
  }

  private result(client: Client, id: number, result: unknown): void {
    this.send(client, { id, type: "result", success: true, result });
  }

  private error(client: Client, id: number | null, code: string, message: string): void {
    this.send(client, { id, type: "result", success: false, error: { code, message } });
  }

  /**
   * Queues a message; with coalescing on, messages queued in one turn of the event loop go out
   * as one JSON array, as Home Assistant does under load.
   */
  private send(client: Client, message: unknown): void {
    if (client.frozen) return;
    if (!client.coalesce) {
      client.socket.send(JSON.stringify(message));
      return;
    }
    client.outbox.push(message);
    if (client.outbox.length === 1) {
      setImmediate(() => {
        const batch = client.outbox;
        client.outbox = [];
        if (client.frozen) return;
        client.socket.send(JSON.stringify(batch.length === 1 ? batch[0] : batch));
      });
    }
  }

  private handleHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = url.pathname;
    if (path.startsWith("/sim/")) {
      this.handleControl(req, res, path, url).catch((err: Error) => reply(res, 400, { message: err.message }));
      return;
    }
    if (!path.startsWith("/api/")) return reply(res, 404, { message: "Not found" });
    const auth = req.headers.authorization ?? "";
    const user = auth.startsWith("Bearer ") ? this.tokens.get(auth.slice(7)) : undefined;
    if (user === undefined) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("401: Unauthorized");
      return;
    }
    if (req.method === "GET" && path === "/api/") return reply(res, 200, { message: "API running." });
    const fire = /^\/api\/events\/([^/]+)$/.exec(path);
    if (req.method === "POST" && fire !== null) {
      if (!user.admin) return reply(res, 401, { message: "Unauthorized" });
      readJson(req).then(
        (body) => {
          if (body !== undefined && !isRecord(body))
            return reply(res, 400, { message: "Event data should be a JSON object" });
          const type = decodeURIComponent(fire[1]!);
          this.fireEvent(type, (body as Record<string, unknown>) ?? {}, { userId: user.userId });
          reply(res, 200, { message: `Event ${type} fired.` });
        },
        () => reply(res, 400, { message: "Event data should be valid JSON." }),
      );
      return;
    }
    if (req.method === "GET" && path === "/api/states") return reply(res, 200, [...this.states.values()]);
    reply(res, 404, { message: "Not found" });
  }

  /** Unauthenticated control routes for demos (the simulator binds to 127.0.0.1 by default). */
  private async handleControl(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const body = req.method === "POST" ? await readJson(req) : undefined;
    const b = isRecord(body) ? body : {};
    if (req.method === "GET" && path === "/sim/service-calls") return reply(res, 200, this.serviceCalls);
    if (req.method === "POST" && path.startsWith("/sim/events/")) {
      const type = decodeURIComponent(path.slice("/sim/events/".length));
      const data = isRecord(b.data) ? b.data : {};
      const event = this.fireEvent(type, data, {
        origin: b.origin === "REMOTE" ? "REMOTE" : "LOCAL",
        userId: typeof b.user_id === "string" ? b.user_id : null,
      });
      return reply(res, 200, event);
    }
    if (req.method === "POST" && path.startsWith("/sim/states/")) {
      const entityId = decodeURIComponent(path.slice("/sim/states/".length));
      if (typeof b.state !== "string") return reply(res, 400, { message: "state: expected a text" });
      return reply(res, 200, this.setState(entityId, b.state, isRecord(b.attributes) ? b.attributes : {}));
    }
    if (req.method === "POST" && path === "/sim/drop") {
      this.dropConnections();
      return reply(res, 200, { message: "Connections dropped." });
    }
    if (req.method === "POST" && path === "/sim/restart") {
      void this.restart(Number(url.searchParams.get("ms") ?? 2000));
      return reply(res, 200, { message: "Restarting." });
    }
    if (req.method === "POST" && path === "/sim/revoke") {
      if (typeof b.token !== "string") return reply(res, 400, { message: "token: expected a text" });
      this.revokeToken(b.token);
      return reply(res, 200, { message: "Token revoked." });
    }
    reply(res, 404, { message: "Not found" });
  }
}

/** A context id in the shape Home Assistant uses (a 26-character ULID). */
function newContextId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const time = Date.now().toString(32).toUpperCase().padStart(10, "0");
  const bytes = randomBytes(16);
  let random = "";
  for (let i = 0; i < 16; i++) random += alphabet[bytes[i]! % 32];
  return `${time}${random}`;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      if (text.trim() === "") return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
