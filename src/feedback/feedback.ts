import { describeValue, InvalidInputError } from "../errors";

/** 0 = the household rejected the pattern, 1 = it approved it. */
export type Label = 0 | 1;

/** Named numeric features of one pattern, e.g. `{ confidence_raw: 0.8, device_count: 3 }`. */
export type Features = Record<string, number>;

/** One decision of the household about one suggested pattern, as stored in the feedback log. */
export interface Feedback {
  /** Unique id; the same decision delivered twice (e.g. a repeated HA event) has the same id. */
  id: string;
  patternId: string;
  label: Label;
  /** Absent when the decision arrives by pattern id only; then the pattern cache supplies them. */
  features?: Features;
  /** Where it came from: "flow", "ha:mobile_app_notification_action", "ha:pattern_feedback", … */
  source: string;
  /** Who decided (a Home Assistant user id, a flow-supplied name), when known. */
  user?: string;
  /** ISO 8601 time the feedback was received. */
  receivedAt: string;
}

const APPROVE = new Set(["1", "true", "approve", "approved", "accept", "accepted", "yes"]);
const REJECT = new Set(["0", "false", "reject", "rejected", "decline", "declined", "no"]);

/**
 * Reads an approve/reject decision in the forms flows and Home Assistant send:
 * 1/0, true/false, "approve(d)"/"reject(ed)" (any case).
 */
export function parseLabel(value: unknown, field = "label"): Label {
  if (value === 1 || value === true) return 1;
  if (value === 0 || value === false) return 0;
  if (typeof value === "string") {
    const word = value.trim().toLowerCase();
    if (APPROVE.has(word)) return 1;
    if (REJECT.has(word)) return 0;
  }
  throw new InvalidInputError(
    field,
    `expected approve or reject (also approved/rejected, 1/0, true/false), got ${describeValue(value)}`,
  );
}
