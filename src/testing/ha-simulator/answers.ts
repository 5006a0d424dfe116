import type { WebSocket } from "ws";
import type { SimulatedUser } from "./types";

/** What the websocket commands answer, in Home Assistant's shapes, and what a connection keeps. */

/** One websocket client and what Home Assistant keeps per connection. */
export interface ClientConnection {
  socket: WebSocket;
  user?: SimulatedUser;
  lastId: number;
  coalesce: boolean;
  /** Event type by subscription id (the id of the subscribe_events command). */
  subscriptions: Map<number, string>;
  outbox: unknown[];
  frozen: boolean;
}

/** A command's answer as Home Assistant sends it, without the id. */
export type Answer =
  | { type: "result"; success: true; result: unknown }
  | { type: "result"; success: false; error: { code: string; message: string } }
  | { type: "pong" };

/** A message that passed the format check: an increasing integer id and a type. */
export type Command = Record<string, unknown> & { id: number; type: string };

/** A successful result. */
export function ok(result: unknown): Answer {
  return { type: "result", success: true, result };
}

/** An error result with Home Assistant's code and message. */
export function refuse(code: string, message: string): Answer {
  return { type: "result", success: false, error: { code, message } };
}
