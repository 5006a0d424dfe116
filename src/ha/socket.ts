import WebSocket from "ws";
import { HomeAssistantError } from "./errors";

/**
 * The socket home-assistant-js-websocket's Connection drives, opened with `ws` (Node 20 has no
 * global WebSocket) and already authenticated. It also shields the library from frames it
 * would choke on: its message handler parses JSON and walks the result without a guard, and an
 * exception there would take the whole process down.
 */
export interface AuthenticatedSocket {
  readonly OPEN: number;
  readonly readyState: number;
  haVersion: string;
  addEventListener(type: string, listener: (event: { data?: string }) => void): void;
  removeEventListener(type: string, listener: (event: { data?: string }) => void): void;
  send(text: string): void;
  close(): void;
  /** Drops the connection at once, without a closing handshake (for half-open sockets). */
  terminate(): void;
}

export interface SocketOptions {
  url: string;
  token: string;
  /** Limit for the HTTP upgrade (TCP connect included). */
  handshakeTimeoutMs: number;
  /** Limit from the open socket to `auth_ok`/`auth_invalid`. */
  authTimeoutMs: number;
  /** Told about frames that were dropped because they were not JSON objects. */
  onIgnoredFrame?: (reason: string) => void;
}

type Listener = (event: { data?: string }) => void;

/**
 * Opens a websocket to Home Assistant and completes its auth phase. Rejects with a
 * HomeAssistantError: `ha-cannot-connect`, `ha-timeout` or `ha-auth-failed`.
 */
export function openAuthenticatedSocket(options: SocketOptions): Promise<AuthenticatedSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, { handshakeTimeout: options.handshakeTimeoutMs });
    let settled = false;
    let authTimer: NodeJS.Timeout | undefined;
    const fail = (error: HomeAssistantError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(authTimer);
      ws.terminate();
      reject(error);
    };
    ws.on("error", (err: NodeJS.ErrnoException) => {
      const reason = err.code ?? err.message;
      const timedOut = /timed out|timeout/i.test(err.message);
      fail(
        timedOut
          ? new HomeAssistantError(
              "ha-timeout",
              `Home Assistant at ${options.url} did not accept the websocket within ` +
                `${seconds(options.handshakeTimeoutMs)}. Check the URL and the network.`,
            )
          : new HomeAssistantError(
              "ha-cannot-connect",
              `Cannot reach Home Assistant at ${options.url} (${reason}). ` +
                "Check the URL and that Home Assistant is running.",
            ),
      );
    });
    ws.on("close", () =>
      fail(
        new HomeAssistantError(
          "ha-cannot-connect",
          `Home Assistant at ${options.url} closed the connection during authentication.`,
        ),
      ),
    );
    ws.on("open", () => {
      authTimer = setTimeout(
        () =>
          fail(
            new HomeAssistantError(
              "ha-timeout",
              `Home Assistant at ${options.url} did not complete authentication within ` +
                `${seconds(options.authTimeoutMs)}.`,
            ),
          ),
        options.authTimeoutMs,
      );
    });
    const onAuthMessage = (raw: WebSocket.RawData): void => {
      const frame = parseFrame(raw);
      const message = Array.isArray(frame) ? undefined : frame;
      const type = message?.type;
      if (type === "auth_required") {
        ws.send(JSON.stringify({ type: "auth", access_token: options.token }));
      } else if (type === "auth_invalid") {
        fail(
          new HomeAssistantError(
            "ha-auth-failed",
            `Home Assistant rejected the access token: ${safeText(message?.message)}.`,
          ),
        );
      } else if (type === "auth_ok") {
        settled = true;
        clearTimeout(authTimer);
        ws.off("message", onAuthMessage);
        ws.removeAllListeners("close");
        const socket = wrap(
          ws,
          typeof message?.ha_version === "string" ? message.ha_version : "0.0.0",
          options.onIgnoredFrame,
        );
        // Coalesced messages cut the per-event overhead under load; id 1 is reserved for this.
        ws.send(JSON.stringify({ id: 1, type: "supported_features", features: { coalesce_messages: 1 } }));
        resolve(socket);
      }
    };
    ws.on("message", onAuthMessage);
  });
}

function wrap(
  ws: WebSocket,
  haVersion: string,
  onIgnoredFrame: ((reason: string) => void) | undefined,
): AuthenticatedSocket {
  const listeners = new Map<string, Set<Listener>>();
  const emit = (type: string, event: { data?: string }): void => {
    for (const listener of [...(listeners.get(type) ?? [])]) listener(event);
  };
  ws.on("message", (raw, isBinary) => {
    if (isBinary) {
      onIgnoredFrame?.("a binary frame");
      return;
    }
    const text = raw.toString();
    // home-assistant-js-websocket parses every frame itself. A small frame is parsed here first, so
    // that nothing it cannot handle reaches it; a large one (a day of logbook is 300 KB) is not
    // parsed twice: parsing it here too held Node-RED's event loop for half as long again while
    // a backfill ran. If such a frame is not JSON after all, the library's parse fails here.
    if (text.length <= CHECKED_FRAME_LENGTH) {
      const message = parseFrame(text);
      const valid = Array.isArray(message) ? message.length > 0 && message.every(isRecord) : isRecord(message);
      if (!valid) {
        onIgnoredFrame?.("a frame that is not a JSON object");
        return;
      }
      emit("message", { data: text });
      return;
    }
    if (!/^\s*[[{]/.test(text.slice(0, 16))) {
      onIgnoredFrame?.("a frame that is not a JSON object");
      return;
    }
    try {
      emit("message", { data: text });
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      onIgnoredFrame?.("a frame that is not a JSON object");
    }
  });
  ws.on("close", () => emit("close", {}));
  let closeTimer: NodeJS.Timeout | undefined;
  return {
    OPEN: WebSocket.OPEN,
    get readyState() {
      return ws.readyState;
    },
    haVersion,
    addEventListener(type, listener) {
      let set = listeners.get(type);
      if (set === undefined) {
        set = new Set();
        listeners.set(type, set);
      }
      set.add(listener);
    },
    removeEventListener(type, listener) {
      listeners.get(type)?.delete(listener);
    },
    send(text) {
      ws.send(text);
    },
    close() {
      ws.close();
      // A peer that never answers the closing handshake must not keep us waiting.
      closeTimer ??= setTimeout(() => ws.terminate(), 1000);
      closeTimer.unref();
    },
    terminate() {
      ws.terminate();
    },
  };
}

/** Frames up to this length are parsed and checked before the library sees them. */
const CHECKED_FRAME_LENGTH = 64 * 1024;

function parseFrame(
  raw: WebSocket.RawData | string,
): { type?: unknown; message?: unknown; ha_version?: unknown } | unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString());
    return Array.isArray(value) || isRecord(value) ? (value as { type?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function safeText(value: unknown): string {
  return typeof value === "string" ? value.replace(/\.$/, "") : "no reason given";
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
