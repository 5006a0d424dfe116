import { describeValue, InvalidInputError } from "../errors";

/**
 * Where the connection stands. `unauthorized` and `subscription-failed` are connected, but with
 * subscriptions Home Assistant does not hold: refused for lack of rights (a person must fix the
 * token), or failing otherwise (retried by itself). `auth-failed` waits for a new token.
 */
export type HaConnectionState =
  | "connecting"
  | "connected"
  | "subscription-failed"
  | "unauthorized"
  | "disconnected"
  | "auth-failed";

/** What the connection is doing, in words a user can act on. Never contains the token. */
export interface HaConnectionStatus {
  state: HaConnectionState;
  message: string;
  /** When the next attempt is due, for the states that retry. */
  retryInMs?: number;
  /** Attempts made since the last successful connection. */
  attempt?: number;
}

/** Where Home Assistant is, how to authenticate, and the timing of timeouts, pings and retries. */
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
  /** How long to wait for the answer to a command or subscription; 0 waits for ever. */
  commandTimeoutMs?: number;
  /**
   * First delay before reconnecting (and before sending a failed subscription again); doubles per
   * failed attempt up to maxReconnectDelayMs.
   */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /**
   * Delay between attempts while the token (or a subscription, for lack of rights) is refused:
   * slow, since only a person can fix it.
   */
  authRetryMs?: number;
}

/** The websocket the Supervisor proxies to Home Assistant inside an add-on. */
export const SUPERVISOR_WEBSOCKET_URL = "ws://supervisor/core/websocket";

const DEFAULTS = {
  handshakeTimeoutMs: 10_000,
  authTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  pingTimeoutMs: 10_000,
  // Home Assistant answers subscriptions at once; a service call may wait for the service (a
  // phone notification goes through the cloud), so the limit leaves room for that.
  commandTimeoutMs: 30_000,
  reconnectDelayMs: 1_000,
  maxReconnectDelayMs: 30_000,
  authRetryMs: 60_000,
};

/** The timeouts, ping interval and retry delays in effect, in milliseconds. */
export type ConnectionTimings = typeof DEFAULTS;

/** The options, checked: where to connect, in which mode, with which token and timings. */
export interface ConnectionSettings {
  url: string;
  mode: "standalone" | "addon";
  token: string;
  timings: ConnectionTimings;
}

/** Checks the options and derives the settings; throws InvalidInputError naming the bad field. */
export function connectionSettings(options: HomeAssistantConnectionOptions): ConnectionSettings {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `expected { url, token } or { addon: true }, got ${describeValue(options)}`);
  }
  const timings = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as (keyof ConnectionTimings)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new InvalidInputError(key, `expected a duration in milliseconds, got ${describeValue(value)}`);
    }
    timings[key] = value;
  }
  if (options.addon === true) {
    const token: unknown = (options.env ?? process.env).SUPERVISOR_TOKEN;
    if (typeof token !== "string" || token === "") {
      throw new InvalidInputError(
        "SUPERVISOR_TOKEN",
        "add-on mode needs the SUPERVISOR_TOKEN environment variable, which Home Assistant sets inside an add-on",
      );
    }
    const url = options.url === undefined ? SUPERVISOR_WEBSOCKET_URL : websocketUrl(options.url);
    return { url, mode: "addon", token: token.trim(), timings };
  }
  const url = websocketUrl(options.url);
  const token: unknown = options.token;
  if (typeof token !== "string" || token.trim() === "") {
    throw new InvalidInputError(
      "token",
      "a long-lived access token is needed (Home Assistant → your profile → Security → Long-lived access tokens)",
    );
  }
  return { url, mode: "standalone", token: token.trim(), timings };
}

/** Home Assistant's REST API inside an app: the Supervisor proxies it, with SUPERVISOR_TOKEN. */
export const SUPERVISOR_REST_URL = "http://supervisor/core/api";

/**
 * The REST API's base for a connection: the Supervisor's in app mode (its websocket URL is the
 * Supervisor's), else the websocket URL's host with http(s) and `/api`.
 */
export function restBaseUrl(settings: Pick<ConnectionSettings, "url" | "mode">): string {
  const parsed = new URL(settings.url);
  if (settings.mode === "addon" && parsed.hostname === "supervisor") return SUPERVISOR_REST_URL;
  parsed.protocol = parsed.protocol === "wss:" ? "https:" : "http:";
  // ws://host:8123/api/websocket → http://host:8123/api; a proxy path before /api is kept.
  parsed.pathname = parsed.pathname.replace(/\/websocket\/?$/, "").replace(/\/$/, "");
  if (!parsed.pathname.endsWith("/api")) parsed.pathname = `${parsed.pathname}/api`;
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString().replace(/\/$/, "");
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

/** A delay as status texts show it: milliseconds below a second, else seconds to one decimal. */
export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** The delay before the next try after `failures` failed ones in a row: doubling, capped. */
export function backoffDelay(timings: ConnectionTimings, failures: number): number {
  return Math.min(timings.reconnectDelayMs * 2 ** Math.max(failures - 1, 0), timings.maxReconnectDelayMs);
}
