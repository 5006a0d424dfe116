import { EventEmitter } from "node:events";
import { type HaCommand, type LiveConnection, sendCommand, serviceCallCommand } from "./commands";
import {
  backoffDelay,
  type ConnectionTimings,
  connectionSettings,
  type HaConnectionState,
  type HaConnectionStatus,
  type HomeAssistantConnectionOptions,
  restBaseUrl,
  seconds,
} from "./connection-settings";
import { HomeAssistantError } from "./errors";
import type { HaEvent } from "./feedback-events";
import { type HassEntity, type HaWebSocket, type HawsConnection, haws } from "./haws";
import { startHeartbeat } from "./heartbeat";
import { type RestAnswer, restRequest } from "./rest";
import { type AuthenticatedSocket, openAuthenticatedSocket } from "./socket";
import { EventSubscriptions, refusedSubscriptionsMessage, type SubscriptionProblem } from "./subscriptions";

export {
  type HaConnectionState,
  type HaConnectionStatus,
  type HomeAssistantConnectionOptions,
  SUPERVISOR_WEBSOCKET_URL,
  websocketUrl,
} from "./connection-settings";
export type { RestAnswer } from "./rest";
export type { SubscriptionProblem } from "./subscriptions";

// Kept outside the object so that no inspection, serialization or spread can reach it.
const tokens = new WeakMap<HomeAssistantConnection, string>();

/**
 * One websocket connection to Home Assistant, shared by every node that uses it. Reconnects by
 * itself (backoff; slowly while the token is refused), renews subscriptions on every new
 * connection and delivers events from that moment on, retries subscriptions that fail, gives up
 * waiting for a reply after a limit, and pings to notice half-open sockets. Emits "status"
 * (HaConnectionStatus, also when subscriptions start or stop failing), "connected" (on every new
 * connection), "subscribed" (event type, on every renewal) and "warning" (string).
 */
export class HomeAssistantConnection extends EventEmitter {
  readonly url: string;
  readonly mode: "standalone" | "addon";
  /** Home Assistant's REST API base, e.g. http://homeassistant.local:8123/api (the Supervisor's in an app). */
  readonly restBase: string;
  /** Connection attempts since creation (for diagnostics and tests). */
  attempts = 0;
  /** Home Assistant's version, once connected. */
  haVersion: string | undefined;

  private readonly timings: ConnectionTimings;
  private readonly subscriptions: EventSubscriptions;
  private live: LiveConnection | undefined;
  /** Rejects the pending work of the live connection once it is lost or closed. */
  private rejectLost: ((err: Error) => void) | undefined;
  private current: HaConnectionStatus = { state: "disconnected", message: "Not connected yet." };
  private started = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopHeartbeat: () => void = () => undefined;
  private firstConnect: Promise<void> | undefined;

  constructor(options: HomeAssistantConnectionOptions) {
    super();
    const settings = connectionSettings(options);
    this.url = settings.url;
    this.mode = settings.mode;
    this.restBase = restBaseUrl(settings);
    this.timings = settings.timings;
    tokens.set(this, settings.token);
    this.subscriptions = new EventSubscriptions(
      {
        warning: (message) => this.warn(message),
        subscribed: (eventType) => this.tell("subscribed", eventType),
        problemsChanged: () => {
          if (this.live !== undefined) this.setStatus(this.connectedStatus(true));
        },
      },
      this.timings,
      () => this.live,
    );
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

  /** True while a connection is open and authenticated. */
  get connected(): boolean {
    return this.live !== undefined;
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
          if (this.live !== undefined) resolve();
          else reject(error ?? new HomeAssistantError("ha-cannot-connect", status.message));
        };
        this.on("status-internal", onStatus);
      });
      this.retry();
    }
    return this.firstConnect;
  }

  /**
   * Subscribes to one event type, now and after every reconnect, until unsubscribed. A
   * subscription Home Assistant refuses (a non-admin token and an event outside its allowlist),
   * answers oddly or not at all is kept and sent again later; meanwhile it is in
   * `subscriptionProblems` and the status says so (`unauthorized`, `subscription-failed`).
   * Rejects only for a bad event type or handler. Resolves, once Home Assistant has answered
   * (or at once when not connected), to a function that unsubscribes.
   */
  subscribeEvents(eventType: string, handler: (event: HaEvent) => void): Promise<() => Promise<void>> {
    return this.subscriptions.add(eventType, handler);
  }

  /** The subscriptions Home Assistant does not hold at the moment, and why; each is being retried. */
  get subscriptionProblems(): SubscriptionProblem[] {
    return this.subscriptions.problems();
  }

  /** Calls a Home Assistant service (action), e.g. `callService("notify", "mobile_app_phone", {...})`. */
  async callService(
    domain: string,
    service: string,
    data: Record<string, unknown> = {},
    target?: Record<string, unknown>,
  ): Promise<unknown> {
    return this.command(serviceCallCommand(domain, service, data, target), `${domain}.${service}`);
  }

  /** All entity states. */
  async getStates(): Promise<HassEntity[]> {
    return (await this.command({ type: "get_states" }, "get_states")) as HassEntity[];
  }

  /** One request to Home Assistant's REST API (e.g. `POST config/automation/config/<id>`) with the connection's token (see restRequest). */
  async rest(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<RestAnswer> {
    return restRequest(
      { base: this.restBase, token: tokens.get(this)!, timeoutMs: this.timings.commandTimeoutMs },
      method,
      path,
      body,
    );
  }

  /**
   * Sends one command and waits for its result, turning HA's errors into HomeAssistantErrors.
   * A command sent while an attempt to connect is under way (right after deploy, when a flow's
   * first message can arrive a few milliseconds before the connection) waits for that attempt,
   * which the handshake and auth timeouts bound; between attempts it fails at once.
   */
  async command(message: HaCommand, what: string = message.type): Promise<unknown> {
    if (this.live === undefined && this.current.state === "connecting") await this.attemptSettled();
    if (this.live === undefined) {
      throw new HomeAssistantError(
        "ha-not-connected",
        `Not connected to Home Assistant (${this.current.message}); ${what} was not sent.`,
      );
    }
    return sendCommand(this.live, message, what, this.timings.commandTimeoutMs);
  }

  /** Closes the connection for good; resolves once the socket is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    this.subscriptions.close();
    const live = this.live;
    this.live = undefined;
    this.rejectLost?.(new HomeAssistantError("ha-closed", "The connection was closed."));
    const socket = live?.socket;
    if (live !== undefined && socket !== undefined) {
      const done = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
      live.connection.close();
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
    let connection: HawsConnection;
    try {
      connection = await haws.createConnection({
        setupRetry: 0,
        createSocket: async () => {
          socket = await openAuthenticatedSocket({
            url: this.url,
            token: tokens.get(this)!,
            handshakeTimeoutMs: this.timings.handshakeTimeoutMs,
            authTimeoutMs: this.timings.authTimeoutMs,
            onIgnoredFrame: (reason) => this.warn(`Ignored ${reason} from Home Assistant.`),
          });
          return socket as unknown as HaWebSocket;
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
    let rejectLost!: (err: Error) => void;
    const lost = new Promise<never>((_, reject) => {
      rejectLost = reject;
    });
    lost.catch(() => undefined);
    const live: LiveConnection = { connection, socket, lost };
    this.live = live;
    this.rejectLost = rejectLost;
    this.haVersion = connection.haVersion;
    this.failures = 0;
    connection.addEventListener("disconnected", () => this.connectionLost(live));
    this.stopHeartbeat = startHeartbeat(
      live,
      this.timings,
      () => this.live === live,
      (message) => this.warn(message),
    );
    // Subscriptions that failed on the last connection are still shown as failing until renewed.
    this.setStatus(this.connectedStatus(false));
    this.tell("connected");
    await this.subscriptions.renewAll(live);
  }

  /** Resolves once the attempt under way has connected or failed (or the connection was closed). */
  private attemptSettled(): Promise<void> {
    return new Promise<void>((resolve) => {
      const onStatus = (status: HaConnectionStatus): void => {
        if (status.state === "connecting") return;
        this.off("status-internal", onStatus);
        resolve();
      };
      this.on("status-internal", onStatus);
    });
  }

  /** The status while connected: subscriptions refused for lack of rights first, then other failures. */
  private connectedStatus(healed: boolean): HaConnectionStatus {
    const connected = `Connected to Home Assistant ${this.haVersion}`;
    const problems = this.subscriptions.problems();
    const refused = new Set(problems.filter((p) => p.error.code === "ha-unauthorized").map((p) => p.eventType));
    if (refused.size > 0) return { state: "unauthorized", message: refusedSubscriptionsMessage([...refused]) };
    if (problems.length > 0) {
      return {
        state: "subscription-failed",
        message: `${connected}, but subscriptions fail and are being retried: ${problems
          .map((p) => p.error.message)
          .join(" ")}`,
      };
    }
    return {
      state: "connected",
      message: healed ? `${connected}; every subscription holds again.` : `${connected}.`,
    };
  }

  private connectionLost(live: LiveConnection): void {
    if (live !== this.live) return;
    // Our own reconnect policy replaces the library's (fixed delays, and none after an auth failure).
    live.connection.close();
    this.live = undefined;
    this.rejectLost?.(new HomeAssistantError("ha-not-connected", "The connection to Home Assistant was lost."));
    this.rejectLost = undefined;
    this.stopHeartbeat();
    this.subscriptions.connectionLost();
    const delay = this.timings.reconnectDelayMs;
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
      const delay = this.timings.authRetryMs;
      const fix =
        this.mode === "addon"
          ? "The Supervisor token was refused; restart the add-on."
          : "The token is wrong, expired or was revoked: create a new long-lived access token in Home Assistant " +
            "(your profile → Security) and enter it in the connection node.";
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
    const delay = backoffDelay(this.timings, this.failures);
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
    this.attempt().catch((err: Error) => this.warn(`A status listener failed: ${err.message}`));
  }

  private setStatus(status: HaConnectionStatus, error?: HomeAssistantError): void {
    this.current = status;
    if (this.started) this.emit("status-internal", status, error);
    this.tell("status", { ...status });
  }

  /** Emits an event; a listener that throws must not stop reconnects or subscription renewals. */
  private tell(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      this.warn(`A ${event} listener failed: ${(err as Error).message}`);
    }
  }

  private warn(message: string): void {
    try {
      this.emit("warning", message);
    } catch {
      // Nowhere left to report a failing warning listener.
    }
  }
}
