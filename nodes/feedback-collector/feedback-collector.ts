import { feedbackFromHaEvent } from "../../src/feedback/ha-events";
import type { PatternModel } from "../../src/model/pattern-model";
import { asError, underMessage } from "../shared/errors";
import { feedbackItems, messageUser, type FeedbackItem } from "../shared/messages";
import { findModelNode, openModel } from "../shared/model-node";
import { errorStatus, missingModelStatus, openingStatus, pendingStatus } from "../shared/status";
import type { NodeDefinition, NodeRedApi, RuntimeNode } from "../shared/red";

interface FeedbackCollectorDefinition extends NodeDefinition {
  model?: string;
}

/** The feedback objects for the model: flow feedback as is, HA events mapped (non-feedback events dropped). */
function feedbackInputs(items: FeedbackItem[]): unknown[] {
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
      feedback = feedbackFromHaEvent(shaped);
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
    const node = this;
    let model: PatternModel | null = null;
    const showPending = () => model && node.status(pendingStatus(model.pending, model.activeVersion));

    if (!modelNode) {
      node.status(missingModelStatus);
    } else {
      node.status(openingStatus);
      modelNode.model().then(
        (opened) => {
          model = opened;
          showPending();
          // Updates and rollbacks change the pending count and the active version shown.
          opened.on("update", showPending);
          opened.on("activated", showPending);
        },
        (error: unknown) => node.status(errorStatus(error)),
      );
    }

    node.on("input", (msg, send, done) => {
      openModel(modelNode, "feedback-collector")
        .then(async (opened) => {
          const inputs = feedbackInputs(feedbackItems(msg.payload));
          if (inputs.length === 0) {
            // A Home Assistant event that carries no decision (e.g. another app's notification action).
            node.status({ fill: "grey", shape: "ring", text: "not feedback" });
            done();
            return;
          }
          const user = messageUser(msg.user);
          const result = await opened.addFeedback(inputs, user ? { source: "flow", user } : { source: "flow" });
          node.status(pendingStatus(result.pending, result.activeVersion));
          msg.payload = result;
          send(msg);
          done();
        })
        .catch((error: unknown) => {
          node.status(errorStatus(error));
          done(asError(error));
        });
    });

    node.on("close", (_removed, done) => {
      model?.off("update", showPending);
      model?.off("activated", showPending);
      done();
    });
  }

  RED.nodes.registerType("feedback-collector", FeedbackCollector);
}
