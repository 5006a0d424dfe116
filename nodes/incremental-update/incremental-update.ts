import type { PatternModel } from "../../src/model/pattern-model";
import { asError } from "../shared/errors";
import { householdNotifier, optionalSetting } from "../shared/home-assistant";
import { updateMode } from "../shared/messages";
import { findModelNode, openModel } from "../shared/model-node";
import { errorStatus, fitStatus, missingModelStatus, openingStatus, percent, versionLabel } from "../shared/status";
import type { NodeDefinition, NodeMessage, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";

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
    const modelNode = findModelNode(RED, definition.model);
    const automatic = definition.automatic !== false;
    let model: PatternModel | null = null;
    let household: ReturnType<typeof householdNotifier> = null;
    try {
      household = householdNotifier(RED, this, definition.ha, {
        persistentNotifications: definition.persistentNotifications !== false,
        notifyService: optionalSetting(definition.notifyService) ?? null,
      });
    } catch (error) {
      this.error(`alerts to Home Assistant are off: ${asError(error).message}`);
    }

    const onUpdating = (event: { mode: string }) =>
      this.status({ fill: "blue", shape: "ring", text: fitStatus(`training ${event.mode}…`) });
    const onUpdate = (result: UpdateResult) => {
      this.status(updateStatus(result, model?.activeVersion ?? null));
      if (automatic) this.send([{ topic: "update", payload: result }, null]);
    };
    const onFailed = (failure: { message: string }) => {
      this.status({ fill: "red", shape: "ring", text: "update failed" });
      this.warn(`update failed: ${failure.message}`);
    };
    const onAlert = (alert: { type: string; severity: string; message: string }) => {
      this.send([null, { topic: alert.type, payload: alert }]);
      household?.notifier
        .alert({ type: alert.type, message: alert.message })
        .catch((error: unknown) =>
          this.warn(`could not show the ${alert.type} alert in Home Assistant: ${asError(error).message}`),
        );
    };

    if (!modelNode) {
      this.status(missingModelStatus);
    } else {
      this.status(openingStatus);
      modelNode.model().then(
        (opened) => {
          model = opened;
          this.status({ fill: "grey", shape: "dot", text: fitStatus(`idle · ${versionLabel(opened.activeVersion)}`) });
          opened.on("updating", onUpdating);
          opened.on("update", onUpdate);
          opened.on("alert", onAlert);
          opened.on("update-failed", onFailed);
        },
        (error: unknown) => this.status(errorStatus(error)),
      );
    }

    this.on("input", (msg: NodeMessage, send, done) => {
      openModel(modelNode, "incremental-update")
        .then(async (opened) => {
          const mode = updateMode(msg.mode, definition.mode || "incremental");
          const reason =
            typeof msg.reason === "string" && msg.reason.trim() !== "" ? msg.reason.trim() : "requested by a flow";
          const result = await opened.update(mode, reason);
          // With automatic reporting on, the model's "update" event already sent these metrics.
          if (!automatic) {
            msg.payload = result;
            send([msg, null]);
          }
          done();
        })
        .catch((error: unknown) => {
          this.status(errorStatus(error));
          done(asError(error));
        });
    });

    this.on("close", (_removed, done) => {
      model?.off("updating", onUpdating);
      model?.off("update", onUpdate);
      model?.off("alert", onAlert);
      model?.off("update-failed", onFailed);
      household?.release();
      done();
    });
  }

  RED.nodes.registerType("incremental-update", IncrementalUpdate);
}
