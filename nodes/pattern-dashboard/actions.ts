import { describeValue, InvalidInputError, PatternQualityError, UnknownVersionError } from "../../src/errors";
import type { PatternModel, UpdateResult } from "../../src/model/pattern-model";
import { checkVersionId } from "../../src/versions/entry";
import { updatePlace } from "../../src/versions/verdict";
import { MAX_NOTE_LENGTH, trimmedText } from "../../src/validate";
import type { NodeMessage } from "../shared/red";

/** What the activation log records as the reason of a switch from the widget, and as who when nobody is known. */
export const DASHBOARD = "dashboard";

/** The buttons of the widget, as its messages name them. */
export const DASHBOARD_ACTIONS = ["rollback", "activate", "resume", "retrain"] as const;

/** One press of a button: switch to a version (an older one: rollback), end the hold, or retrain in full. */
export type DashboardAction =
  | { action: "rollback" | "activate"; version: string }
  | { action: "resume" }
  | { action: "retrain" };

/** The action a widget message asks for: `msg.payload = {action, version?}`. */
export function parseAction(payload: unknown): DashboardAction {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new InvalidInputError(
      "msg.payload",
      `expected {"action": "rollback", "version": "v0003"} or {"action": "resume"}, got ${describeValue(payload)}`,
    );
  }
  const { action, version } = payload as { action?: unknown; version?: unknown };
  switch (action) {
    case "rollback":
    case "activate":
      return { action, version: checkVersionId(version, "msg.payload.version") };
    case "resume":
    case "retrain":
      return { action };
    default:
      throw new InvalidInputError(
        "msg.payload.action",
        `expected one of ${DASHBOARD_ACTIONS.join(", ")}, got ${describeValue(action)}`,
      );
  }
}

/**
 * Who pressed the button, as Dashboard 2 tells it in `msg._client.user` (its user plugins do, and
 * this package's plugin does behind Home Assistant's ingress), else "dashboard".
 */
export function dashboardUser(msg: NodeMessage): string {
  const user = (msg._client as { user?: Record<string, unknown> } | undefined)?.user;
  if (typeof user !== "object" || user === null) return DASHBOARD;
  for (const key of ["username", "name", "userId"]) {
    const name = trimmedText(user[key]);
    if (name) return name.slice(0, MAX_NOTE_LENGTH);
  }
  return DASHBOARD;
}

/** Runs the action for `by`; resolves with what the widget's output message carries as payload. */
export async function runAction(
  model: PatternModel,
  action: DashboardAction,
  by: string,
): Promise<Record<string, unknown>> {
  const cause = { reason: DASHBOARD, by };
  switch (action.action) {
    case "rollback":
    case "activate": {
      const entry =
        action.action === "rollback"
          ? await model.rollback(action.version, cause)
          : await model.activate(action.version, cause);
      return {
        action: action.action,
        by,
        version: entry.id,
        activeVersion: model.activeVersion,
        hold: model.hold,
      };
    }
    case "resume":
      await model.resume({ by });
      return { action: "resume", by, activeVersion: model.activeVersion, hold: null };
    case "retrain": {
      const update = await model.update("full", DASHBOARD);
      return { action: "retrain", by, activeVersion: model.activeVersion, update };
    }
  }
}

/** What the person who pressed the button reads once it is done. */
export function successText(action: DashboardAction, payload: Record<string, unknown>): string {
  switch (action.action) {
    case "rollback":
      return `Rolled back to ${action.version}: automatic updates are held there.`;
    case "activate":
      return `${action.version} is active: automatic updates are held there.`;
    case "resume":
      return "Automatic updates resumed.";
    case "retrain": {
      const update = payload.update as UpdateResult;
      return `Retrained on all ${update.samples} stored answers: ${update.version} (full) is ${updatePlace(update)}.`;
    }
  }
}

/** What the person who pressed the button reads when it failed; nothing changed then. */
export function failureText(action: DashboardAction | null, error: unknown): string {
  if (error instanceof UnknownVersionError) {
    const gone = `${error.id} is no longer there (deleted or pruned meanwhile)`;
    return `${gone}: nothing changed. The list is up to date again.`;
  }
  const what = action ? WHAT[action.action] : "do that";
  const message = error instanceof Error ? error.message : String(error);
  const reason = error instanceof PatternQualityError ? message : `unexpected error: ${message}`;
  return `Could not ${what}: ${reason}`;
}

const WHAT: Record<DashboardAction["action"], string> = {
  rollback: "roll back",
  activate: "activate that version",
  resume: "resume automatic updates",
  retrain: "retrain",
};
