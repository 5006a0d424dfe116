import { describeValue, InvalidInputError } from "../errors";
import { seconds } from "./connection-settings";
import { HomeAssistantError } from "./errors";
import type { HawsConnection } from "./haws";
import type { AuthenticatedSocket } from "./socket";

/** A websocket message to Home Assistant: a type and its fields (the id is added on sending). */
export type HaCommand = { type: string; [key: string]: unknown };

/**
 * The connection in use, with what was opened alongside it. `lost` rejects with a
 * HomeAssistantError once that connection is lost or closed: the library leaves pending work
 * of a dead connection pending for ever.
 */
export interface LiveConnection {
  connection: HawsConnection;
  socket: AuthenticatedSocket | undefined;
  lost: Promise<never>;
}

/** Sends one command and waits for its result, turning HA's errors into HomeAssistantErrors. */
export function sendCommand(
  live: LiveConnection,
  message: HaCommand,
  what: string,
  timeoutMs: number,
): Promise<unknown> {
  return answerOf(live, live.connection.sendMessagePromise(message), what, timeoutMs);
}

/**
 * Waits for Home Assistant's answer to a request on this connection. Rejects with a
 * HomeAssistantError when it refuses the request or answers something malformed
 * (`ha-command-failed`, `ha-unauthorized`), does not answer within `timeoutMs` (`ha-timeout`;
 * 0 waits for ever: a reply that is not JSON is dropped and would otherwise leave it waiting),
 * or the connection is lost first (`ha-not-connected`, `ha-closed`).
 */
export async function answerOf<T>(live: LiveConnection, pending: Promise<T>, what: string, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const waiting: Promise<T>[] = [pending, live.lost];
  if (timeoutMs > 0) {
    waiting.push(
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new HomeAssistantError(
                "ha-timeout",
                `Home Assistant did not answer ${what} within ${seconds(timeoutMs)}.`,
              ),
            ),
          timeoutMs,
        );
      }),
    );
  }
  try {
    return await Promise.race(waiting);
  } catch (err) {
    throw commandError(err, what);
  } finally {
    clearTimeout(timer);
  }
}

/** True when a request failed only because its connection went away: the next connection may send it again. */
export function isConnectionGone(error: unknown): boolean {
  return error instanceof HomeAssistantError && (error.code === "ha-not-connected" || error.code === "ha-closed");
}

/** The `call_service` command for a service (action), with its domain and service names checked. */
export function serviceCallCommand(
  domain: string,
  service: string,
  data: Record<string, unknown>,
  target: Record<string, unknown> | undefined,
): HaCommand {
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
  const message: HaCommand = { type: "call_service", domain, service, service_data: data };
  if (target !== undefined) message.target = target;
  return message;
}

/** Home Assistant's answer to a failed command, or the loss of the connection, as an error a user can act on. */
export function commandError(err: unknown, what: string): Error {
  if (err instanceof HomeAssistantError || err instanceof InvalidInputError) return err;
  if (isHaError(err)) {
    if (err.code === "unauthorized") {
      return new HomeAssistantError(
        "ha-unauthorized",
        `Home Assistant refused ${what}: the token's user lacks the permission (${err.message}). ` +
          "Use an admin user's token, or the add-on.",
        { haCode: err.code },
      );
    }
    return new HomeAssistantError(
      "ha-command-failed",
      `Home Assistant refused ${what}: ${err.message} (${err.code}).`,
      {
        haCode: String(err.code),
      },
    );
  }
  if (isConnectionLoss(err)) {
    return new HomeAssistantError(
      "ha-not-connected",
      `The connection to Home Assistant was lost before ${what} was answered.`,
    );
  }
  // The library rejects a result without `success` with its (missing) `error`.
  return new HomeAssistantError(
    "ha-command-failed",
    `Home Assistant answered ${what} with a malformed reply (a result with neither success nor an error).`,
  );
}

// home-assistant-js-websocket's ERR_CONNECTION_LOST, alone (not connected) or in the error result it
// rejects the commands in flight with when the socket closes.
const ERR_CONNECTION_LOST = 3;

function isConnectionLoss(err: unknown): boolean {
  if (err === ERR_CONNECTION_LOST) return true;
  const error = typeof err === "object" && err !== null ? (err as { error?: unknown }).error : undefined;
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === ERR_CONNECTION_LOST;
}

/** An error result from Home Assistant: `{ code, message }`. */
export function isHaError(err: unknown): err is { code: string; message: string } {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string";
}
