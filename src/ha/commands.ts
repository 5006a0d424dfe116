import { describeValue, InvalidInputError } from "../errors";
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
export async function sendCommand(live: LiveConnection, message: HaCommand, what: string): Promise<unknown> {
  try {
    return await Promise.race([live.connection.sendMessagePromise(message), live.lost]);
  } catch (err) {
    throw commandError(err, what);
  }
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
  return new HomeAssistantError(
    "ha-not-connected",
    `The connection to Home Assistant was lost before ${what} was answered.`,
  );
}

/** An error result from Home Assistant: `{ code, message }`. */
export function isHaError(err: unknown): err is { code: string; message: string } {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string";
}
