import type { HaConnectionStatus } from "../../src/ha/connection";
import type { NodeStatus } from "../shared/red";

const RINGS: Record<HaConnectionStatus["state"], NodeStatus> = {
  connecting: { fill: "yellow", shape: "ring", text: "connecting" },
  connected: { fill: "green", shape: "ring", text: "connected" },
  disconnected: { fill: "red", shape: "ring", text: "disconnected" },
  "auth-failed": { fill: "red", shape: "ring", text: "auth failed" },
  unauthorized: { fill: "red", shape: "ring", text: "needs admin token" },
};

/**
 * The status ring a node using the connection shows (config nodes have no status of their own).
 * Texts stay under 20 characters; the full message goes to the log.
 */
export function haStatusRing(status: HaConnectionStatus): NodeStatus {
  return { ...RINGS[status.state] };
}
