import { HouseholdNotifier, type HouseholdNotifierOptions } from "../../src/ha/notifier";
import { trimmedText } from "../../src/validate";
import type { HaConnectionNode } from "../pattern-quality-ha/pattern-quality-ha";
import { haStatusRing, notConfiguredRing } from "../pattern-quality-ha/status";
import type { NodeRedApi, NodeStatus, RuntimeNode } from "./red";

/** The `pattern-quality-ha` connection node with this id, or null. */
export function findHaNode(RED: NodeRedApi, id: unknown): HaConnectionNode | null {
  if (typeof id !== "string" || id === "") return null;
  const node = RED.nodes.getNode(id) as Partial<HaConnectionNode> | null;
  return node && node.type === "pattern-quality-ha" && typeof node.register === "function"
    ? (node as HaConnectionNode)
    : null;
}

/**
 * What a node using a Home Assistant connection shows: the connection's ring while it is not
 * configured, not connected, or missing subscriptions (refused or failing), else the node's own
 * status. Use it wherever the node shows its own status, and on the connection's "status"
 * events, so that a healthy-looking status never hides a connection that does not work.
 */
export function withConnectionStatus(own: NodeStatus, haNode: HaConnectionNode | null): NodeStatus {
  if (haNode === null) return own;
  if (haNode.connection === null) return { ...notConfiguredRing };
  const status = haNode.connection.status;
  return status.state === "connected" ? own : haStatusRing(status);
}

/**
 * Alerts and questions to the household through the chosen Home Assistant connection, or null
 * when none is chosen (or it is missing: then the node is told why, once; or unconfigured: the
 * connection node says why, once for all its users).
 * The node is registered as a user of the connection; `release` undoes that on close.
 * Bad service names throw InvalidInputError naming the option.
 */
export function householdNotifier(
  RED: NodeRedApi,
  node: RuntimeNode,
  haId: unknown,
  options: HouseholdNotifierOptions,
): { notifier: HouseholdNotifier; release(): void } | null {
  if (typeof haId !== "string" || haId === "") return null;
  const haNode = findHaNode(RED, haId);
  if (!haNode) {
    node.warn("the chosen Home Assistant connection no longer exists: open this node and choose another, or none");
    return null;
  }
  if (!haNode.connection) return null;
  const notifier = new HouseholdNotifier(haNode.connection, options);
  haNode.register(node);
  return { notifier, release: () => haNode.deregister(node) };
}

/** A form's optional text field (a notify service), trimmed, or undefined when blank. */
export const optionalSetting: (value: unknown) => string | undefined = trimmedText;
