import type { PatternModel } from "../../src/model/pattern-model";
import { trimmedText } from "../../src/validate";
import {
  importText,
  optionalText,
  rollbackTarget,
  versionCommand,
  versionId,
  versionPair,
  type VersionCommand,
} from "../shared/messages";
import { bindModel } from "../shared/model-node";
import { activeStatus, versionRows } from "../shared/versions";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeMessage, NodeRedApi, RuntimeNode } from "../shared/red";

interface ModelVersionDefinition extends NodeDefinition {
  model?: string;
  /** The command when a message has no topic (e.g. a dashboard button wired straight in). */
  command?: string;
  /** Recorded in the activation log as the reason when a message gives none. */
  reason?: string;
}

/** Runs one version command against the model; the result becomes `msg.payload`. */
async function run(
  model: PatternModel,
  command: VersionCommand,
  msg: NodeMessage,
  defaultReason: string,
): Promise<unknown> {
  const payload = msg.payload;
  const reason = optionalText(payload, "reason") ?? trimmedText(msg.reason) ?? defaultReason;
  const by = optionalText(payload, "by") ?? trimmedText(msg.user) ?? "flow";
  switch (command) {
    case "list":
      return versionRows(model);
    case "get":
      return model.versions.get(versionId(payload));
    case "activate":
      return model.activate(versionId(payload), { reason, by });
    case "rollback":
      return model.rollback(rollbackTarget(payload), { reason, by });
    case "resume":
      await model.resume({ by });
      return { activeVersion: model.activeVersion, hold: null };
    case "pin":
      return model.versions.pin(versionId(payload));
    case "unpin":
      return model.versions.unpin(versionId(payload));
    case "delete":
      return model.versions.delete(versionId(payload));
    case "prune":
      return model.versions.prune();
    case "compare": {
      const [a, b] = versionPair(payload);
      return model.versions.compare(a, b);
    }
    case "export":
      return model.versions.export(versionId(payload));
    case "import":
      return model.versions.import(importText(payload));
  }
}

/** Registers `model-version`: list, inspect, activate, roll back, pin, prune, compare, export and import versions. */
export default function register(RED: NodeRedApi): void {
  function ModelVersion(this: RuntimeNode, definition: ModelVersionDefinition) {
    RED.nodes.createNode(this, definition);
    const defaultReason = trimmedText(definition.reason) ?? "flow";
    const showActive = (model: PatternModel) => this.status(activeStatus(model));
    bindModel(RED, this, {
      type: "model-version",
      modelId: definition.model,
      opened: showActive,
      listeners: { activated: showActive, resumed: showActive },
      input: async (model, msg, send) => {
        const command = versionCommand(msg.topic, definition.command);
        msg.payload = await run(model, command, msg, defaultReason);
        msg.topic = command;
        showActive(model);
        send(msg);
      },
    });
  }

  registerWithNodeCheck(RED, "model-version", ModelVersion);
}
