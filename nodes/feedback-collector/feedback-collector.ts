import type { Feedback } from "../../src/feedback/feedback";
import { feedbackFromHaEvent, type HaFeedbackRules } from "../../src/ha/feedback-events";
import { HaFeedbackSource, type HaSubscriptionReport } from "../../src/ha/feedback-source";
import type { PatternModel } from "../../src/model/pattern-model";
import type { HaConnectionStatus } from "../../src/ha/connection";
import { haStatusRing } from "../pattern-quality-ha/status";
import { asError, underMessage } from "../shared/errors";
import { findHaNode } from "../shared/home-assistant";
import { feedbackItems, messageUser, type FeedbackItem } from "../shared/messages";
import { findModelNode, openModel } from "../shared/model-node";
import { errorStatus, fitStatus, missingModelStatus, openingStatus, pendingStatus } from "../shared/status";
import type { NodeDefinition, NodeRedApi, RuntimeNode } from "../shared/red";
import { haRulesFromDefinition, type HaSourceDefinition } from "./ha-rules";

interface FeedbackCollectorDefinition extends NodeDefinition, HaSourceDefinition {
  model?: string;
  /** Optional `pattern-quality-ha` connection whose events are listened to. */
  ha?: string;
}

/** The feedback objects for the model: flow feedback as is, HA events mapped (non-feedback events dropped). */
function feedbackInputs(items: FeedbackItem[], rules: HaFeedbackRules): unknown[] {
  const inputs: unknown[] = [];
  items.forEach((entry, index) => {
    if (entry.kind === "feedback") {
      inputs.push(entry.value);
      return;
    }
    // An "events: all" node puts the event's data under `event`; the mapping reads that shape as a message.
    const event = entry.value;
    const shaped = "data" in event ? event : { payload: event };
    const prefix = items.length === 1 ? "msg.payload" : `msg.payload[${index}]`;
    let feedback;
    try {
      feedback = feedbackFromHaEvent(shaped, rules);
    } catch (error) {
      throw underMessage(prefix, error);
    }
    if (feedback) inputs.push(feedback);
  });
  return inputs;
}

/** Registers `feedback-collector`: household decisions from flows and Home Assistant into the model. */
export default function register(RED: NodeRedApi): void {
  function FeedbackCollector(this: RuntimeNode, definition: FeedbackCollectorDefinition) {
    RED.nodes.createNode(this, definition);
    const modelNode = findModelNode(RED, definition.model);
    let model: PatternModel | null = null;
    const showPending = () => model && this.status(pendingStatus(model.pending, model.activeVersion));

    let rules: HaFeedbackRules | null = null;
    let rulesError: unknown = null;
    try {
      rules = haRulesFromDefinition(definition);
    } catch (error) {
      rulesError = error;
    }

    if (!modelNode) {
      this.status(missingModelStatus);
    } else if (rulesError) {
      this.status(errorStatus(rulesError));
    } else {
      this.status(openingStatus);
      modelNode.model().then(
        (opened) => {
          model = opened;
          showPending();
          // Updates and rollbacks change the pending count and the active version shown.
          opened.on("update", showPending);
          opened.on("activated", showPending);
        },
        (error: unknown) => this.status(errorStatus(error)),
      );
    }

    this.on("input", (msg, send, done) => {
      openModel(modelNode, "feedback-collector")
        .then(async (opened) => {
          if (rulesError) throw rulesError;
          const inputs = feedbackInputs(feedbackItems(msg.payload), rules!);
          if (inputs.length === 0) {
            // A Home Assistant event that carries no decision (e.g. another app's notification action).
            this.status({ fill: "grey", shape: "ring", text: "not feedback" });
            done();
            return;
          }
          const user = messageUser(msg.user);
          const result = await opened.addFeedback(inputs, user ? { source: "flow", user } : { source: "flow" });
          this.status(pendingStatus(result.pending, result.activeVersion));
          msg.payload = result;
          send(msg);
          done();
        })
        .catch((error: unknown) => {
          this.status(errorStatus(error));
          done(asError(error));
        });
    });

    // Decisions arriving straight from Home Assistant, when a connection is chosen.
    const haNode = findHaNode(RED, definition.ha);
    let source: HaFeedbackSource | null = null;
    let showHaStatus: ((status: HaConnectionStatus) => void) | null = null;
    if (definition.ha && !haNode) {
      this.warn("the chosen Home Assistant connection no longer exists: open this node and choose another, or none");
    } else if (haNode && rules) {
      if (!haNode.connection) {
        this.error(`Home Assistant connection not configured: ${haNode.configError?.message ?? "no URL or token"}`);
      } else {
        const haSource = new HaFeedbackSource(haNode.connection, rules);
        source = haSource;
        haSource.on("feedback", (feedback: Feedback) => {
          openModel(modelNode, "feedback-collector")
            .then((opened) => opened.addFeedback([feedback]))
            .then((result) => {
              this.status(pendingStatus(result.pending, result.activeVersion));
              this.send({ topic: feedback.source, payload: result });
            })
            .catch((error: unknown) => {
              this.status(errorStatus(error));
              this.error(
                `Home Assistant feedback for pattern ${feedback.patternId} not stored: ${asError(error).message}`,
              );
            });
        });
        haSource.on("invalid", ({ error }: { error: Error }) =>
          this.warn(`ignored a Home Assistant event: ${error.message}`),
        );
        haSource.on("warning", (message: string) => this.warn(message));
        // While Home Assistant is unreachable the ring says so; once connected the pending count is back.
        showHaStatus = (status: HaConnectionStatus) => {
          if (status.state === "connected") showPending();
          else this.status(haStatusRing(status));
        };
        haNode.connection.on("status", showHaStatus);
        haNode.register(this);
        haSource.start().then(
          (report: HaSubscriptionReport) => {
            for (const refused of report.refused) this.warn(refused.message);
            if (report.refused.length > 0) {
              this.status({ fill: "yellow", shape: "ring", text: fitStatus(`HA: ${report.refused.length} refused`) });
            }
          },
          (error: unknown) => this.error(`cannot listen to Home Assistant: ${asError(error).message}`),
        );
      }
    }

    this.on("close", (_removed, done) => {
      model?.off("update", showPending);
      model?.off("activated", showPending);
      haNode?.deregister(this);
      if (showHaStatus) haNode?.connection?.off("status", showHaStatus);
      (source ? source.stop() : Promise.resolve()).catch(() => undefined).finally(() => done());
    });
  }

  RED.nodes.registerType("feedback-collector", FeedbackCollector);
}
