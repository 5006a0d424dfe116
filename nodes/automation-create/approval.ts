import { describeValue, InvalidInputError } from "../../src/errors";
import { parseLabel } from "../../src/feedback/feedback";
import { checkId } from "../../src/validate";
import type { NodeMessage } from "../shared/red";

/** What a message asks of automation-create: the suggestion, whether it was approved, its automation if the message brings it. */
export interface Approval {
  patternId: string;
  approved: boolean;
  automation: unknown;
}

/**
 * Reads the three shapes the node takes: a pattern object (`msg.payload` with `id` and
 * `automation`: create it), an answer (`msg.payload` with `patternId` and `label` or `answer`,
 * as feedback-collector, ask household and the dashboard send it; the automation from
 * `msg.pattern` or the suggestion book), or `msg.topic` "approve" with `msg.payload.patternId`.
 */
export function approvalOf(msg: NodeMessage): Approval {
  const payload = msg.payload;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new InvalidInputError(
      "msg.payload",
      `expected a pattern {id, automation} or an approval {patternId, label: "approve"}, got ${describeValue(payload)}`,
    );
  }
  const record = payload as Record<string, unknown>;
  const pattern =
    typeof msg.pattern === "object" && msg.pattern !== null ? (msg.pattern as Record<string, unknown>) : {};
  if (record.patternId === undefined && record.automation !== undefined) {
    return { patternId: checkId(record.id, "msg.payload.id"), approved: true, automation: record.automation };
  }
  const patternId = checkId(record.patternId, "msg.payload.patternId");
  const said = record.label ?? record.answer ?? msg.topic;
  let approved: boolean;
  if (said === "snooze") approved = false;
  else approved = parseLabel(said, record.label !== undefined ? "msg.payload.label" : "msg.payload.answer") === 1;
  return { patternId, approved, automation: pattern.automation ?? record.automation };
}
