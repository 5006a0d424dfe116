import type { PatternModel } from "../../src/model/pattern-model";
import { UPDATE_SPEC } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";
import { asError } from "../shared/errors";
import { type FormSpec, formValue } from "../shared/form";
import { householdNotifier, optionalSetting, findHaNode, withConnectionStatus } from "../shared/home-assistant";
import { updateMode } from "../shared/messages";
import { bindModel } from "../shared/model-node";
import { fitStatus, percent, versionLabel } from "../shared/status";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";

interface IncrementalUpdateDefinition extends NodeDefinition {
  model?: string;
  mode?: string;
  /** Also report updates this node did not start (other nodes', the automatic ones at the threshold). */
  reportOthers?: boolean;
  /** Optional `pattern-quality-ha` connection: alerts also go to the household. */
  ha?: string;
  /** Alerts as persistent notifications in Home Assistant (default on when a connection is chosen). */
  persistentNotifications?: boolean;
  /** Also send alerts through this notify service (e.g. notify.family). */
  notifyService?: string;
}

type UpdateResult = Awaited<ReturnType<PatternModel["update"]>>;

/**
 * The node's form fields that are settings: the update mode, and whether updates it did not
 * start are reported. (Flows saved before `reportOthers` existed have `automatic`, which
 * reported every update on output 1 and is no longer read: they take the default, off.)
 */
export const INCREMENTAL_UPDATE_FORM = {
  mode: { setting: UPDATE_SPEC.mode },
  reportOthers: { setting: UPDATE_SPEC.reportOthers },
} as const satisfies FormSpec;

/**
 * The status after an update: the new version on trial beside the live one (the usual case) or
 * waiting on the one on trial, the first version live with the model's running accuracy, or the
 * active version kept.
 */
export function updateStatus(result: UpdateResult, activeVersion: string | null): NodeStatus {
  if (result.trial) {
    const waitingFor = result.trial.waitingFor;
    return {
      fill: "blue",
      shape: "ring",
      text: fitStatus(`${versionLabel(result.version)} ${waitingFor ? `waits on ${waitingFor}` : "on trial"}`),
    };
  }
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
    const reportOthers =
      formValue(definition.reportOthers, INCREMENTAL_UPDATE_FORM.reportOthers.setting, "reportOthers") ??
      INCREMENTAL_UPDATE_FORM.reportOthers.setting.default;
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

    // Results this node's messages asked for: each is sent once, on its message, never as a report.
    const answered = new WeakSet<UpdateResult>();
    // While a message of this node waits, an update may be the one it joined: decided once it is answered.
    let asking = 0;
    const undecided: UpdateResult[] = [];
    const report = (result: UpdateResult) => {
      if (!answered.has(result)) this.send([{ topic: "update", payload: result }, null]);
    };

    bindModel(RED, this, {
      type: "incremental-update",
      modelId: definition.model,
      opened: (model) =>
        this.status(
          withConnectionStatus(
            { fill: "grey", shape: "dot", text: fitStatus(`idle · ${versionLabel(model.activeVersion)}`) },
            findHaNode(RED, definition.ha),
          ),
        ),
      listeners: {
        activated: (_model, event: { to: string }) =>
          this.status({ fill: "green", shape: "dot", text: fitStatus(`${versionLabel(event.to)} live`) }),
        updating: (_model, event: { mode: string }) =>
          this.status({ fill: "blue", shape: "ring", text: fitStatus(`training ${event.mode}…`) }),
        update: (model, result: UpdateResult) => {
          this.status(updateStatus(result, model.activeVersion));
          if (!reportOthers) return;
          if (asking === 0) report(result);
          else undecided.push(result);
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
      // Every message gets its own answer (the message itself, req/res kept) or done(err).
      input: async (model, msg, send) => {
        const mode = updateMode(msg.mode, configuredMode);
        asking += 1;
        try {
          const result = await model.update(mode, trimmedText(msg.reason) ?? "requested by a flow");
          answered.add(result);
          msg.payload = result;
          send([msg, null]);
        } finally {
          asking -= 1;
          if (asking === 0) for (const result of undecided.splice(0)) report(result);
        }
      },
      close: () => {
        // Alerts still waiting for their turn to be shown are dropped with the node.
        household?.notifier.close();
        household?.release();
      },
    });
  }

  registerWithNodeCheck(RED, "incremental-update", IncrementalUpdate);
}
