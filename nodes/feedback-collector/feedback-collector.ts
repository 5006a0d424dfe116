import type { Feedback } from "../../src/feedback/feedback";
import { feedbackFromHaEvent, type HaFeedbackRules } from "../../src/ha/feedback-events";
import { HaFeedbackSource, type HaSubscriptionReport } from "../../src/ha/feedback-source";
import type { PatternModel } from "../../src/model/pattern-model";
import type { HaConnectionStatus } from "../../src/ha/connection";
import { haStatusRing } from "../pattern-quality-ha/status";
import { asError, underMessage } from "../shared/errors";
import { findHaNode } from "../shared/home-assistant";
import { feedbackItems, messageUser, type FeedbackItem } from "../shared/messages";
import { bindModel, type ModelBinding } from "../shared/model-node";
import { errorStatus, fitStatus, pendingStatus } from "../shared/status";
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
    let feedback: Feedback | null;
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
    const showPending = (model: PatternModel) => this.status(pendingStatus(model.pending, model.activeVersion));

    let rules: HaFeedbackRules | null = null;
    let rulesError: unknown = null;
    try {
      rules = haRulesFromDefinition(definition);
    } catch (error) {
      rulesError = error;
    }

    // Set up below, when a Home Assistant connection is chosen; stopped on close.
    let haListening: { stop(): Promise<void> } | null = null;
    const binding = bindModel(RED, this, {
      type: "feedback-collector",
      modelId: definition.model,
      configError: rulesError,
      opened: showPending,
      // Updates and rollbacks change the pending count and the active version shown.
      listeners: { update: showPending, activated: showPending },
      input: async (model, msg, send) => {
        const inputs = feedbackInputs(feedbackItems(msg.payload), rules as HaFeedbackRules);
        if (inputs.length === 0) {
          // A Home Assistant event that carries no decision (e.g. another app's notification action).
          this.status({ fill: "grey", shape: "ring", text: "not feedback" });
          return;
        }
        const user = messageUser(msg.user);
        const result = await model.addFeedback(inputs, user ? { source: "flow", user } : { source: "flow" });
        this.status(pendingStatus(result.pending, result.activeVersion));
        msg.payload = result;
        send(msg);
      },
      close: () => haListening?.stop(),
    });

    haListening = listenToHomeAssistant(RED, this, definition, rules, binding);
  }

  RED.nodes.registerType("feedback-collector", FeedbackCollector);
}

/**
 * Decisions arriving straight from Home Assistant, when a connection is chosen: each is stored
 * and sent on (`msg.topic` is its source); the status follows the connection. Null without one
 * (or with rules that do not hold).
 */
function listenToHomeAssistant(
  RED: NodeRedApi,
  node: RuntimeNode,
  definition: FeedbackCollectorDefinition,
  rules: HaFeedbackRules | null,
  binding: ModelBinding,
): { stop(): Promise<void> } | null {
  const haNode = findHaNode(RED, definition.ha);
  if (definition.ha && !haNode) {
    node.warn("the chosen Home Assistant connection no longer exists: open this node and choose another, or none");
    return null;
  }
  // Bad rules are already shown in the status and refuse every message: listen to nothing.
  if (!haNode || !rules) return null;
  const connection = haNode.connection;
  if (!connection) {
    node.error(`Home Assistant connection not configured: ${haNode.configError?.message ?? "no URL or token"}`);
    return null;
  }
  const source = new HaFeedbackSource(connection, rules);
  source.on("feedback", (feedback: Feedback) => {
    binding
      .model()
      .then((model) => model.addFeedback([feedback]))
      .then((result) => {
        node.status(pendingStatus(result.pending, result.activeVersion));
        node.send({ topic: feedback.source, payload: result });
      })
      .catch((error: unknown) => {
        node.status(errorStatus(error));
        node.error(`Home Assistant feedback for pattern ${feedback.patternId} not stored: ${asError(error).message}`);
      });
  });
  source.on("invalid", ({ error }: { error: Error }) => node.warn(`ignored a Home Assistant event: ${error.message}`));
  source.on("warning", (message: string) => node.warn(message));
  // While Home Assistant is unreachable the ring says so; once connected the pending count is back.
  const showConnection = (status: HaConnectionStatus) => {
    if (status.state !== "connected") node.status(haStatusRing(status));
    else if (binding.current) node.status(pendingStatus(binding.current.pending, binding.current.activeVersion));
  };
  connection.on("status", showConnection);
  haNode.register(node);
  source.start().then(
    (report: HaSubscriptionReport) => {
      for (const refused of report.refused) node.warn(refused.message);
      if (report.refused.length > 0) {
        node.status({ fill: "yellow", shape: "ring", text: fitStatus(`HA: ${report.refused.length} refused`) });
      }
    },
    (error: unknown) => node.error(`cannot listen to Home Assistant: ${asError(error).message}`),
  );
  return {
    stop: () => {
      haNode.deregister(node);
      connection.off("status", showConnection);
      return source.stop().catch(() => undefined);
    },
  };
}
