import { PatternQualityError } from "../../src/errors";
import type { NodeStatus } from "./red";

// Node-RED shows only the first ~20 characters of a status well; these keep to that.
const MAX_TEXT = 20;

/** Shortens a status text to what the editor shows without clipping. */
export function fitStatus(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** A version id as short as the status line needs ("v0004"), or "no model" before the first. */
export function versionLabel(version: string | null | undefined): string {
  if (!version) return "no model";
  return version.length <= 8 ? version : version.slice(0, 8);
}

/** "37 pending · v0004": feedback waiting for the next update and the active version. */
export function pendingStatus(pending: number, version: string | null): NodeStatus {
  return { fill: "green", shape: "dot", text: fitStatus(`${pending} pending · ${versionLabel(version)}`) };
}

/**
 * A red ring naming what went wrong, briefly ("bad label", "unknown version"); the full message
 * goes to the debug sidebar.
 */
export function errorStatus(error: unknown): NodeStatus {
  // "to" is a rollback's target: "previous" before two versions have been live, the common case.
  if (error instanceof PatternQualityError && "field" in error && error.field === "to") {
    return { fill: "yellow", shape: "ring", text: "no earlier version" };
  }
  if (error instanceof PatternQualityError && "field" in error) {
    return {
      fill: "red",
      shape: "ring",
      text: fitStatus(
        `bad ${String((error as { field: unknown }).field).replace(/^(msg|pattern-model|pattern-score)\./, "")}`,
      ),
    };
  }
  if (error instanceof PatternQualityError) {
    return { fill: "red", shape: "ring", text: fitStatus(error.code.replace(/-/g, " ")) };
  }
  return { fill: "red", shape: "ring", text: "failed" };
}

/** Shown while the model's store is being opened. */
export const openingStatus: NodeStatus = { fill: "grey", shape: "ring", text: "opening…" };

/** Shown when a node is not linked to a pattern-model configuration. */
export const missingModelStatus: NodeStatus = { fill: "red", shape: "ring", text: "no model configured" };

/** Formats a 0..1 fraction as a percentage with one decimal ("94.1%"). */
export function percent(fraction: number | null | undefined): string {
  return typeof fraction === "number" && Number.isFinite(fraction) ? `${(fraction * 100).toFixed(1)}%` : "–";
}
