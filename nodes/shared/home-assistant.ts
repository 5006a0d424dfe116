import { HouseholdNotifier, type HouseholdNotifierOptions } from "../../src/ha/notifier";
import { trimmedText } from "../../src/validate";
import type { HaConnectionNode } from "../pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi, RuntimeNode } from "./red";

/** The `pattern-quality-ha` connection node with this id, or null. */
export function findHaNode(RED: NodeRedApi, id: unknown): HaConnectionNode | null {
  if (typeof id !== "string" || id === "") return null;
  const node = RED.nodes.getNode(id) as Partial<HaConnectionNode> | null;
  return node && node.type === "pattern-quality-ha" && typeof node.register === "function"
    ? (node as HaConnectionNode)
    : null;
}

/**
 * Alerts and questions to the household through the chosen Home Assistant connection, or null
 * when none is chosen (or it is missing or unconfigured: then the node is told why, once).
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
  if (!haNode.connection) {
    node.error(`Home Assistant connection not configured: ${haNode.configError?.message ?? "no URL or token"}`);
    return null;
  }
  const notifier = new HouseholdNotifier(haNode.connection, options);
  haNode.register(node);
  return { notifier, release: () => haNode.deregister(node) };
}

/** A form's optional text field (a notify service), trimmed, or undefined when blank. */
export const optionalSetting: (value: unknown) => string | undefined = trimmedText;
