import { PatternQualityError } from "../../src/errors";
import type { PatternModel } from "../../src/model/pattern-model";
import type { PatternModelNode } from "../pattern-model/pattern-model";
import type { NodeRedApi } from "./red";

/** Raised when a node has no (or a deleted) pattern-model configuration to work with. */
export class MissingModelError extends PatternQualityError {
  constructor(nodeType: string) {
    super(
      "missing-model",
      `this ${nodeType} node has no pattern model: open it, choose or add a "pattern-model" configuration, and deploy`,
    );
  }
}

/** The pattern-model configuration node with this id, or null when there is none. */
export function findModelNode(RED: NodeRedApi, id: unknown): PatternModelNode | null {
  if (typeof id !== "string" || id === "") return null;
  const node = RED.nodes.getNode(id) as Partial<PatternModelNode> | null;
  return node && node.type === "pattern-model" && typeof node.model === "function" ? (node as PatternModelNode) : null;
}

/** The open model behind a configuration node, or a MissingModelError naming the node type. */
export function openModel(modelNode: PatternModelNode | null, nodeType: string): Promise<PatternModel> {
  return modelNode ? modelNode.model() : Promise.reject(new MissingModelError(nodeType));
}
