import type { HaConnectionStatus } from "../../src/ha/connection";
import type { NodeStatus } from "../shared/red";

// Yellow where the nodes keep working in part (other sources still flow); red where nothing does.
const RINGS: Record<HaConnectionStatus["state"], NodeStatus> = {
  connecting: { fill: "yellow", shape: "ring", text: "connecting" },
  connected: { fill: "green", shape: "ring", text: "connected" },
  "subscription-failed": { fill: "yellow", shape: "ring", text: "subscription failed" },
  unauthorized: { fill: "yellow", shape: "ring", text: "needs admin token" },
  disconnected: { fill: "red", shape: "ring", text: "disconnected" },
  "auth-failed": { fill: "red", shape: "ring", text: "auth failed" },
};

/** Shown by the nodes using a connection whose URL or token is missing or wrong. */
export const notConfiguredRing: NodeStatus = { fill: "red", shape: "ring", text: "HA not configured" };

/**
 * The status ring a node using the connection shows (config nodes have no status of their own).
 * Texts stay under 20 characters; the full message goes to the log.
 */
export function haStatusRing(status: HaConnectionStatus): NodeStatus {
  return { ...RINGS[status.state] };
}
