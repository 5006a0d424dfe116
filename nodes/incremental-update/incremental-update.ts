import type { PatternModel } from "../../src/model/pattern-model";
import { UPDATE_SPEC } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";
import { asError } from "../shared/errors";
import type { FormSpec } from "../shared/form";
import { householdNotifier, optionalSetting } from "../shared/home-assistant";
import { updateMode } from "../shared/messages";
import { bindModel } from "../shared/model-node";
import { fitStatus, percent, versionLabel } from "../shared/status";
import type { NodeDefinition, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";

interface IncrementalUpdateDefinition extends NodeDefinition {
  model?: string;
  mode?: string;
  /** Also report updates this node did not start (the automatic ones at the threshold). */
  automatic?: boolean;
  /** Optional `pattern-quality-ha` connection: alerts also go to the household. */
  ha?: string;
  /** Alerts as persistent notifications in Home Assistant (default on when a connection is chosen). */
  persistentNotifications?: boolean;
  /** Also send alerts through this notify service (e.g. notify.family). */
  notifyService?: string;
}

type UpdateResult = Awaited<ReturnType<PatternModel["update"]>>;

/** The node's form fields that are settings: the update mode. */
export const INCREMENTAL_UPDATE_FORM = { mode: { setting: UPDATE_SPEC.mode } } as const satisfies FormSpec;

/** The status after an update: the new version and its accuracy, or the version kept by the guardrail. */
export function updateStatus(result: UpdateResult, activeVersion: string | null): NodeStatus {
  if (!result.activated) {
    return { fill: "yellow", shape: "dot", text: fitStatus(`kept ${versionLabel(activeVersion)}`) };
  }
  return {
    fill: "green",
    shape: "dot",
    text: fitStatus(`${versionLabel(result.version)} · ${percent(result.prequentialAccuracy)}`),
  };
}

/** Registers `incremental-update`: trains new versions on request or at the threshold; reports metrics and alerts. */
export default function register(RED: NodeRedApi): void {
  function IncrementalUpdate(this: RuntimeNode, definition: IncrementalUpdateDefinition) {
    RED.nodes.createNode(this, definition);
    const automatic = definition.automatic !== false;
    // A bad configured mode is refused with the first message, as a bad msg.mode is.
    const configuredMode = definition.mode || INCREMENTAL_UPDATE_FORM.mode.setting.default;
    let household: ReturnType<typeof householdNotifier> = null;
    try {
      household = householdNotifier(RED, this, definition.ha, {
        persistentNotifications: definition.persistentNotifications !== false,
        notifyService: optionalSetting(definition.notifyService) ?? null,
      });
    } catch (error) {
      this.error(`alerts to Home Assistant are off: ${asError(error).message}`);
    }

    bindModel(RED, this, {
      type: "incremental-update",
      modelId: definition.model,
      opened: (model) =>
        this.status({ fill: "grey", shape: "dot", text: fitStatus(`idle · ${versionLabel(model.activeVersion)}`) }),
      listeners: {
        updating: (_model, event: { mode: string }) =>
          this.status({ fill: "blue", shape: "ring", text: fitStatus(`training ${event.mode}…`) }),
        update: (model, result: UpdateResult) => {
          this.status(updateStatus(result, model.activeVersion));
          if (automatic) this.send([{ topic: "update", payload: result }, null]);
        },
        alert: (_model, alert: { type: string; severity: string; message: string }) => {
          this.send([null, { topic: alert.type, payload: alert }]);
          household?.notifier
            .alert({ type: alert.type, message: alert.message })
            .catch((error: unknown) =>
              this.warn(`could not show the ${alert.type} alert in Home Assistant: ${asError(error).message}`),
            );
        },
        "update-failed": (_model, failure: { message: string }) => {
          this.status({ fill: "red", shape: "ring", text: "update failed" });
          this.warn(`update failed: ${failure.message}`);
        },
      },
      input: async (model, msg, send) => {
        const mode = updateMode(msg.mode, configuredMode);
        const result = await model.update(mode, trimmedText(msg.reason) ?? "requested by a flow");
        // With automatic reporting on, the model's "update" event already sent these metrics.
        if (!automatic) {
          msg.payload = result;
          send([msg, null]);
        }
      },
      close: () => household?.release(),
    });
  }

  RED.nodes.registerType("incremental-update", IncrementalUpdate);
}
