import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type * as Haws from "home-assistant-js-websocket" with { "resolution-mode": "import" };
import { describeValue, InvalidInputError } from "../errors";
import type { HaEvent } from "./feedback-events";
import { HomeAssistantError } from "./errors";
import { openAuthenticatedSocket, type AuthenticatedSocket } from "./socket";

// The package's CommonJS entry ships no types; the types come from its ESM build.
const haws: typeof Haws = createRequire(__filename)("home-assistant-js-websocket");

export type HaConnectionState = "connecting" | "connected" | "disconnected" | "auth-failed" | "unauthorized";

/** What the connection is doing, in words a user can act on. Never contains the token. */
export interface HaConnectionStatus {
  state: HaConnectionState;
  message: string;
  /** When the next attempt is due, for the states that retry. */
  retryInMs?: number;
  /** Attempts made since the last successful connection. */
  attempt?: number;
}

export interface HomeAssistantConnectionOptions {
  /** `http(s)://host:8123` or the websocket URL itself. Defaults to the Supervisor's in add-on mode. */
  url?: string;
  /** A long-lived access token (standalone mode). */
  token?: string;
  /** Add-on mode: the token is SUPERVISOR_TOKEN from the environment. */
  addon?: boolean;
  /** Where add-on mode reads SUPERVISOR_TOKEN (default process.env). */
  env?: NodeJS.ProcessEnv;
  handshakeTimeoutMs?: number;
  authTimeoutMs?: number;
  /** Ping interval of the heartbeat that finds half-open sockets; 0 turns it off. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** First delay before reconnecting; doubles per failed attempt up to maxReconnectDelayMs. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Delay between attempts while the token is refused: slow, since only a person can fix it. */
  authRetryMs?: number;
}

export const SUPERVISOR_WEBSOCKET_URL = "ws://supervisor/core/websocket";

const DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  authTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  reconnectDelayMs: 1_000,
  maxReconnectDelayMs: 30_000,
  authRetryMs: 60_000,
};

interface Subscription {
  eventType: string;
  handler: (event: HaEvent) => void;
  unsubscribe?: () => Promise<void>;
  /** The connection this subscription was last sent on, so that it is never sent twice there. */
  renewedOn?: Haws.Connection;
}

// Kept outside the object so that no inspection, serialization or spread can reach it.
const tokens = new WeakMap<HomeAssistantConnection, string>();

/**
 * One websocket connection to Home Assistant, shared by every node that uses it. Reconnects by
 * itself (backoff; slowly while the token is refused), renews subscriptions on every new
 * connection and delivers events from that moment on, and pings to notice half-open sockets.
 * Emits "status" (HaConnectionStatus), "subscribed" (event type, on every renewal) and
 * "warning" (string).
 */
export class HomeAssistantConnection extends EventEmitter {
  readonly url: string;
  readonly mode: "standalone" | "addon";
  /** Connection attempts since creation (for diagnostics and tests). */
  attempts = 0;
  /** Home Assistant's version, once connected. */
  haVersion: string | undefined;

  private readonly settings: typeof DEFAULTS;
  private readonly subscriptions = new Set<Subscription>();
  private connection: Haws.Connection | undefined;
  private socket: AuthenticatedSocket | undefined;
  private current: HaConnectionStatus = { state: "disconnected", message: "Not connected yet." };
  private started = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private firstConnect: Promise<void> | undefined;
  /** Rejects pending work of a connection that was lost (the library leaves subscribes pending). */
  private lost: { promise: Promise<never>; reject: (err: Error) => void } | undefined;

  constructor(options: HomeAssistantConnectionOptions) {
    super();
    if (typeof options !== "object" || options === null) {
      throw new InvalidInputError(
        "options",
        `expected { url, token } or { addon: true }, got ${describeValue(options)}`,
      );
    }
    this.settings = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const value = options[key];
      if (value === undefined) continue;
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw new InvalidInputError(key, `expected a duration in milliseconds, got ${describeValue(value)}`);
      }
      this.settings[key] = value;
    }
    let token: unknown;
    if (options.addon === true) {
      this.mode = "addon";
      token = (options.env ?? process.env).SUPERVISOR_TOKEN;
      if (typeof token !== "string" || token === "") {
        throw new InvalidInputError(
          "SUPERVISOR_TOKEN",
          "add-on mode needs the SUPERVISOR_TOKEN environment variable, which Home Assistant sets inside an add-on",
        );
      }
      this.url = options.url === undefined ? SUPERVISOR_WEBSOCKET_URL : websocketUrl(options.url);
    } else {
      this.mode = "standalone";
      this.url = websocketUrl(options.url);
      token = options.token;
      if (typeof token !== "string" || token.trim() === "") {
        throw new InvalidInputError(
          "token",
          "a long-lived access token is needed (Home Assistant → your profile → Security → Long-lived access tokens)",
        );
      }
    }
    tokens.set(this, (token as string).trim());
  }

  /** Add-on mode when SUPERVISOR_TOKEN is set, else null (the caller then needs a URL and token). */
  static fromEnvironment(
    env: NodeJS.ProcessEnv = process.env,
    options: Omit<HomeAssistantConnectionOptions, "addon" | "env"> = {},
  ): HomeAssistantConnection | null {
    if (typeof env.SUPERVISOR_TOKEN !== "string" || env.SUPERVISOR_TOKEN === "") return null;
    return new HomeAssistantConnection({ ...options, addon: true, env });
  }

  /** The latest status. */
  get status(): HaConnectionStatus {
    return { ...this.current };
  }

  get connected(): boolean {
    return this.connection !== undefined;
  }

  /**
   * Starts connecting. Resolves once connected; rejects with a HomeAssistantError describing the
   * first failure, while retrying in the background until close().
   */
  connect(): Promise<void> {
    if (this.closed)
      return Promise.reject(new HomeAssistantError("ha-closed", "This Home Assistant connection was closed."));
    if (this.firstConnect === undefined) {
      this.started = true;
      this.firstConnect = new Promise<void>((resolve, reject) => {
        const onStatus = (status: HaConnectionStatus, error?: HomeAssistantError): void => {
          if (status.state === "connecting") return;
          this.off("status-internal", onStatus);
          if (status.state === "connected") resolve();
          else reject(error ?? new HomeAssistantError("ha-cannot-connect", status.message));
        };
        this.on("status-internal", onStatus);
      });
      this.retry();
    }
    return this.firstConnect;
  }

  /**
   * Subscribes to one event type, now and after every reconnect. Rejects with `ha-unauthorized`
   * when Home Assistant refuses it (a non-admin token and an event outside its allowlist); then
   * nothing stays subscribed. Resolves to a function that unsubscribes.
   */
  async subscribeEvents(eventType: string, handler: (event: HaEvent) => void): Promise<() => Promise<void>> {
    if (typeof eventType !== "string" || eventType.trim() === "") {
      throw new InvalidInputError("eventType", `expected an event type, got ${describeValue(eventType)}`);
    }
    if (typeof handler !== "function")
      throw new InvalidInputError("handler", `expected a function, got ${describeValue(handler)}`);
    const subscription: Subscription = { eventType, handler };
    this.subscriptions.add(subscription);
    if (this.connection !== undefined) {
      try {
        await this.renew(this.connection, subscription);
      } catch (err) {
        this.subscriptions.delete(subscription);
        throw err;
      }
    }
    return async () => {
      this.subscriptions.delete(subscription);
      const unsubscribe = subscription.unsubscribe;
      subscription.unsubscribe = undefined;
      // Unsubscribing from a dead connection has nothing left to undo.
      await unsubscribe?.().catch(() => undefined);
    };
  }

  /** Calls a Home Assistant service (action), e.g. `callService("notify", "mobile_app_phone", {...})`. */
  async callService(
    domain: string,
    service: string,
    data: Record<string, unknown> = {},
    target?: Record<string, unknown>,
  ): Promise<unknown> {
    for (const [field, value] of [
      ["domain", domain],
      ["service", service],
    ] as const) {
      if (typeof value !== "string" || !/^[a-z0-9_]+$/.test(value)) {
        throw new InvalidInputError(
          field,
          `expected a Home Assistant ${field} name like notify or mobile_app_phone, got ${describeValue(value)}`,
        );
      }
    }
    const message: { type: string; [key: string]: unknown } = {
      type: "call_service",
      domain,
      service,
      service_data: data,
    };
    if (target !== undefined) message.target = target;
    return this.command(message, `${domain}.${service}`);
  }

  /** All entity states. */
  async getStates(): Promise<Haws.HassEntity[]> {
    return (await this.command({ type: "get_states" }, "get_states")) as Haws.HassEntity[];
  }

  /** Sends one command and waits for its result, turning HA's errors into HomeAssistantErrors. */
  async command(message: { type: string; [key: string]: unknown }, what: string = message.type): Promise<unknown> {
    const connection = this.connection;
    if (connection === undefined || this.lost === undefined) {
      throw new HomeAssistantError(
        "ha-not-connected",
        `Not connected to Home Assistant (${this.current.message}); ${what} was not sent.`,
      );
    }
    try {
      return await Promise.race([connection.sendMessagePromise(message), this.lost.promise]);
    } catch (err) {
      throw this.commandError(err, what);
    }
  }

  /** Closes the connection for good; resolves once the socket is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    const connection = this.connection;
    this.connection = undefined;
    this.socket = undefined;
    this.lost?.reject(new HomeAssistantError("ha-closed", "The connection was closed."));
    if (connection !== undefined && socket !== undefined) {
      const done = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
      connection.close();
      await done;
    }
    this.setStatus({ state: "disconnected", message: "Connection closed." });
    this.removeAllListeners("status-internal");
  }

  /** A description without the token, e.g. for logs. */
  toJSON(): { url: string; mode: string; state: HaConnectionState; haVersion?: string } {
    const json: { url: string; mode: string; state: HaConnectionState; haVersion?: string } = {
      url: this.url,
      mode: this.mode,
      state: this.current.state,
    };
    if (this.haVersion !== undefined) json.haVersion = this.haVersion;
    return json;
  }

  private async attempt(): Promise<void> {
    this.attempts++;
    this.setStatus({ state: "connecting", message: `Connecting to ${this.url}…`, attempt: this.failures + 1 });
    let socket: AuthenticatedSocket | undefined;
    let connection: Haws.Connection;
    try {
      connection = await haws.createConnection({
        setupRetry: 0,
        createSocket: async () => {
          socket = await openAuthenticatedSocket({
            url: this.url,
            token: tokens.get(this)!,
            handshakeTimeoutMs: this.settings.handshakeTimeoutMs,
            authTimeoutMs: this.settings.authTimeoutMs,
            onIgnoredFrame: (reason) => this.emit("warning", `Ignored ${reason} from Home Assistant.`),
          });
          return socket as unknown as Haws.HaWebSocket;
        },
      });
    } catch (err) {
      // openAuthenticatedSocket rejects with HomeAssistantErrors only.
      this.failed(err as HomeAssistantError);
      return;
    }
    if (this.closed) {
      connection.close();
      return;
    }
    this.connection = connection;
    this.socket = socket;
    this.haVersion = connection.haVersion;
    this.failures = 0;
    let rejectLost!: (err: Error) => void;
    const promise = new Promise<never>((_, reject) => (rejectLost = reject));
    promise.catch(() => undefined);
    this.lost = { promise, reject: rejectLost };
    connection.addEventListener("disconnected", () => this.connectionLost(connection));
    this.startHeartbeat(connection);
    this.setStatus({ state: "connected", message: `Connected to Home Assistant ${connection.haVersion}.` });
    await this.renewAll(connection);
  }

  /** Renews every subscription on a new connection; events flow as soon as each is renewed. */
  private async renewAll(connection: Haws.Connection): Promise<void> {
    await Promise.all(
      [...this.subscriptions].map(async (subscription) => {
        try {
          await this.renew(connection, subscription);
        } catch (err) {
          // A subscription refused now (e.g. the user lost admin rights) is dropped and reported.
          this.subscriptions.delete(subscription);
          this.emit("warning", (err as Error).message);
        }
      }),
    );
  }

  private async renew(connection: Haws.Connection, subscription: Subscription): Promise<void> {
    if (subscription.renewedOn === connection) return;
    subscription.renewedOn = connection;
    const deliver = (event: unknown): void => {
      try {
        subscription.handler(event as HaEvent);
      } catch (err) {
        // A failing handler must not break the socket's message loop (or the process).
        this.emit("warning", `A handler for ${subscription.eventType} failed: ${(err as Error).message}`);
      }
    };
    let unsubscribe: () => Promise<void>;
    try {
      const pending = connection.subscribeMessage(
        deliver,
        { type: "subscribe_events", event_type: subscription.eventType },
        { resubscribe: false },
      );
      unsubscribe = (await Promise.race([pending, this.lost!.promise])) as unknown as () => Promise<void>;
    } catch (err) {
      if (isHaError(err) && err.code === "unauthorized") {
        const error = new HomeAssistantError(
          "ha-unauthorized",
          `Home Assistant refused the subscription to ${subscription.eventType}: the token belongs to a non-admin user, and only admins may subscribe to it. ` +
            "Use a long-lived access token of an admin user, or run as the Home Assistant add-on.",
          { haCode: err.code },
        );
        this.setStatus({ state: "unauthorized", message: error.message });
        throw error;
      }
      // The connection dropped meanwhile: the next connection renews this subscription.
      if (err instanceof HomeAssistantError) return;
      throw this.commandError(err, `subscribe_events ${subscription.eventType}`);
    }
    if (!this.subscriptions.has(subscription)) {
      await unsubscribe().catch(() => undefined);
      return;
    }
    subscription.unsubscribe = unsubscribe;
    this.emit("subscribed", subscription.eventType);
  }

  private connectionLost(connection: Haws.Connection): void {
    if (connection !== this.connection) return;
    // Our own reconnect policy replaces the library's (fixed delays, and none after an auth failure).
    connection.close();
    this.connection = undefined;
    this.socket = undefined;
    this.lost?.reject(new HomeAssistantError("ha-not-connected", "The connection to Home Assistant was lost."));
    this.lost = undefined;
    this.stopHeartbeat();
    for (const subscription of this.subscriptions) {
      subscription.unsubscribe = undefined;
      subscription.renewedOn = undefined;
    }
    const delay = this.settings.reconnectDelayMs;
    this.setStatus({
      state: "disconnected",
      message: `Lost the connection to Home Assistant; reconnecting in ${seconds(delay)}.`,
      retryInMs: delay,
      attempt: 0,
    });
    this.schedule(delay);
  }

  private failed(error: HomeAssistantError): void {
    if (this.closed) return;
    this.failures++;
    if (error.code === "ha-auth-failed") {
      const delay = this.settings.authRetryMs;
      const fix =
        this.mode === "addon"
          ? "The Supervisor token was refused; restart the add-on."
          : "The token is wrong, expired or was revoked: create a new long-lived access token in Home Assistant (your profile → Security) and enter it in the connection node.";
      this.setStatus(
        {
          state: "auth-failed",
          message: `${error.message} ${fix} Retrying in ${seconds(delay)}.`,
          retryInMs: delay,
          attempt: this.failures,
        },
        error,
      );
      this.schedule(delay);
      return;
    }
    const delay = Math.min(
      this.settings.reconnectDelayMs * 2 ** (this.failures - 1),
      this.settings.maxReconnectDelayMs,
    );
    this.setStatus(
      {
        state: "disconnected",
        message: `${error.message} Retrying in ${seconds(delay)}.`,
        retryInMs: delay,
        attempt: this.failures,
      },
      error,
    );
    this.schedule(delay);
  }

  private schedule(delay: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retry(), delay);
  }

  /** One attempt; a status listener that throws must not become an unhandled rejection. */
  private retry(): void {
    this.attempt().catch((err: Error) => this.emit("warning", `A status listener failed: ${err.message}`));
  }

  private startHeartbeat(connection: Haws.Connection): void {
    const { pingIntervalMs, pingTimeoutMs } = this.settings;
    if (pingIntervalMs === 0) return;
    let waiting = false;
    this.heartbeat = setInterval(() => {
      if (waiting || connection !== this.connection) return;
      waiting = true;
      const socket = this.socket;
      const timer = setTimeout(() => {
        this.emit(
          "warning",
          `Home Assistant did not answer a ping within ${seconds(pingTimeoutMs)}; the connection is treated as dead and will be re-established.`,
        );
        socket?.terminate();
      }, pingTimeoutMs);
      connection
        .ping()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          clearTimeout(timer);
          waiting = false;
        });
    }, pingIntervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private setStatus(status: HaConnectionStatus, error?: HomeAssistantError): void {
    this.current = status;
    if (this.started) this.emit("status-internal", status, error);
    try {
      this.emit("status", { ...status });
    } catch (err) {
      // A node's failing status display must not stop reconnects or subscription renewals.
      this.emit("warning", `A status listener failed: ${(err as Error).message}`);
    }
  }

  private commandError(err: unknown, what: string): Error {
    if (err instanceof HomeAssistantError || err instanceof InvalidInputError) return err;
    if (isHaError(err)) {
      if (err.code === "unauthorized") {
        return new HomeAssistantError(
          "ha-unauthorized",
          `Home Assistant refused ${what}: the token's user lacks the permission (${err.message}). Use an admin user's token, or the add-on.`,
          { haCode: err.code },
        );
      }
      return new HomeAssistantError(
        "ha-command-failed",
        `Home Assistant refused ${what}: ${err.message} (${err.code}).`,
        { haCode: String(err.code) },
      );
    }
    return new HomeAssistantError(
      "ha-not-connected",
      `The connection to Home Assistant was lost before ${what} was answered.`,
    );
  }
}

function isHaError(err: unknown): err is { code: string; message: string } {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string";
}

/** Accepts the address users know (http://homeassistant.local:8123) and derives the websocket URL. */
export function websocketUrl(url: unknown): string {
  if (typeof url !== "string" || url.trim() === "") {
    throw new InvalidInputError(
      "url",
      `expected Home Assistant's address, e.g. http://homeassistant.local:8123, got ${describeValue(url)}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new InvalidInputError("url", `not a URL: ${describeValue(url)}`);
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") {
    parsed.protocol = parsed.protocol === "http:" ? "ws:" : "wss:";
    if (parsed.pathname === "/") parsed.pathname = "/api/websocket";
  } else if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new InvalidInputError("url", `expected http(s):// or ws(s)://, got ${describeValue(url)}`);
  }
  if (parsed.username !== "" || parsed.password !== "")
    throw new InvalidInputError("url", "must not contain credentials; use the token field");
  return parsed.toString();
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
