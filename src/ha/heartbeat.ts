import type { LiveConnection } from "./commands";
import { seconds } from "./connection-settings";

/** How often to ping and how long to wait for the pong. */
export interface HeartbeatTimings {
  pingIntervalMs: number;
  pingTimeoutMs: number;
}

/**
 * Pings Home Assistant at intervals while `isCurrent()` holds; a ping left unanswered terminates
 * the socket, since a half-open one never reports that it is closed. Returns the stop function.
 */
export function startHeartbeat(
  live: LiveConnection,
  { pingIntervalMs, pingTimeoutMs }: HeartbeatTimings,
  isCurrent: () => boolean,
  warn: (message: string) => void,
): () => void {
  if (pingIntervalMs === 0) return () => undefined;
  let waiting = false;
  const heartbeat = setInterval(() => {
    if (waiting || !isCurrent()) return;
    waiting = true;
    const timer = setTimeout(() => {
      warn(
        `Home Assistant did not answer a ping within ${seconds(pingTimeoutMs)}; ` +
          "the connection is treated as dead and will be re-established.",
      );
      live.socket?.terminate();
    }, pingTimeoutMs);
    live.connection
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
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}
