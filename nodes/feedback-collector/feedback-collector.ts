import type { Feedback } from "../../src/feedback/feedback";
import { feedbackFromHaEvent, type HaFeedbackRules } from "../../src/ha/feedback-events";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import type { AddFeedbackResult, PatternModel } from "../../src/model/pattern-model";
import type { HaConnectionStatus } from "../../src/ha/connection";
import type { HaConnectionNode } from "../pattern-quality-ha/pattern-quality-ha";
import { haStatusRing } from "../pattern-quality-ha/status";
import { asError, underMessage } from "../shared/errors";
import { findHaNode, withConnectionStatus } from "../shared/home-assistant";
import { feedbackItems, messageUser, type FeedbackItem } from "../shared/messages";
import { bindModel, type ModelBinding } from "../shared/model-node";
import { errorStatus, pendingStatus } from "../shared/status";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";
import { haRulesFromDefinition, type HaSourceDefinition } from "./ha-rules";

interface FeedbackCollectorDefinition extends NodeDefinition, HaSourceDefinition {
  model?: string;
  /** Optional `pattern-quality-ha` connection whose events are listened to. */
  ha?: string;
}

/**
 * The feedback objects for the model: flow feedback as is, HA events mapped. Events that carry
 * no decision are counted as ignored, not refused: an "events: all" node sends every event.
 */
function feedbackInputs(items: FeedbackItem[], rules: HaFeedbackRules): { inputs: unknown[]; ignored: number } {
  const inputs: unknown[] = [];
  let ignored = 0;
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
    else ignored += 1;
  });
  return { inputs, ignored };
}

/** What a message that held no feedback stored: nothing, and the model as it is. */
function nothingStored(model: PatternModel): AddFeedbackResult {
  return {
    stored: [],
    duplicates: [],
    parked: [],
    pending: model.pending,
    updateTriggered: false,
    activeVersion: model.activeVersion,
  };
}

/** Registers `feedback-collector`: household decisions from flows and Home Assistant into the model. */
export default function register(RED: NodeRedApi): void {
  function FeedbackCollector(this: RuntimeNode, definition: FeedbackCollectorDefinition) {
    RED.nodes.createNode(this, definition);
    // While a chosen Home Assistant connection is not connected (or not configured), its ring shows instead.
    const haNode = findHaNode(RED, definition.ha);
    const show = (status: NodeStatus) => this.status(withConnectionStatus(status, haNode));
    const showPending = (model: PatternModel) => show(pendingStatus(model.pending, model.activeVersion));

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
      // Every message is sent on with what was stored (an http in request gets its answer), or ends in done(err).
      input: async (model, msg, send) => {
        const { inputs, ignored } = feedbackInputs(feedbackItems(msg.payload), rules as HaFeedbackRules);
        if (inputs.length === 0) {
          // Only Home Assistant events that carry no decision (e.g. another app's notification action).
          this.status({ fill: "grey", shape: "ring", text: "not feedback" });
          msg.payload = { ...nothingStored(model), ignored };
          send(msg);
          return;
        }
        const user = messageUser(msg.user);
        const result = await model.addFeedback(inputs, user ? { source: "flow", user } : { source: "flow" });
        show(pendingStatus(result.pending, result.activeVersion));
        msg.payload = { ...result, ignored };
        send(msg);
      },
      close: () => haListening?.stop(),
    });

    haListening = listenToHomeAssistant(this, haNode, definition, rules, binding, showPending);
  }

  registerWithNodeCheck(RED, "feedback-collector", FeedbackCollector);
}

/**
 * Decisions arriving straight from Home Assistant, when a connection is chosen: each is stored
 * and sent on (`msg.topic` is its source); the status follows the connection. Null without one
 * (or with rules that do not hold).
 */
function listenToHomeAssistant(
  node: RuntimeNode,
  haNode: HaConnectionNode | null,
  definition: FeedbackCollectorDefinition,
  rules: HaFeedbackRules | null,
  binding: ModelBinding,
  showPending: (model: PatternModel) => void,
): { stop(): Promise<void> } | null {
  if (definition.ha && !haNode) {
    node.warn("the chosen Home Assistant connection no longer exists: open this node and choose another, or none");
    return null;
  }
  // Bad rules are already shown in the status and refuse every message: listen to nothing.
  if (!haNode || !rules) return null;
  // An unconfigured connection says so itself, once for all its users; the status shows its ring.
  const connection = haNode.connection;
  if (!connection) return null;
  const source = new HaFeedbackSource(connection, rules);
  source.on("feedback", (feedback: Feedback) => {
    binding
      .model()
      .then((model) => model.addFeedback([feedback]))
      .then((result) => {
        if (binding.current) showPending(binding.current);
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
    else if (binding.current) showPending(binding.current);
  };
  connection.on("status", showConnection);
  haNode.register(node);
  // A refused source is reported by the connection node (its warning, and its ring in this status).
  source.start().catch((error: unknown) => node.error(`cannot listen to Home Assistant: ${asError(error).message}`));
  return {
    stop: () => {
      haNode.deregister(node);
      connection.off("status", showConnection);
      return source.stop().catch(() => undefined);
    },
  };
}
