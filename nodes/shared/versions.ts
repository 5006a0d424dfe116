import type { PatternModel } from "../../src/model/pattern-model";
import { versionVerdict } from "../../src/versions/verdict";
import { fitStatus, versionLabel } from "./status";

/** One row of the versions table (Dashboard 2 ui-table, admin API): newest first. */
export interface VersionRow {
  id: string;
  created: string;
  kind: string;
  /** Its accuracy in its trial, on feedback it had not learned (percent, one decimal; null until judged). */
  evaluatedAccuracy: number | null;
  /** Feedback its trial judged it on. */
  evaluatedOn: number;
  /** Its trial's outcome, or why it has none ("on trial", "waiting for …", "never judged"). */
  verdict: string;
  /** Its accuracy over the feedback it answered while active (percent, one decimal; null before any). */
  liveAccuracy: number | null;
  liveOn: number;
  active: boolean;
  /** The version a person's switch holds automatic activation at. */
  held: boolean;
  pinned: boolean;
}

/** The model's versions as table rows, newest first. */
export function versionRows(model: PatternModel): VersionRow[] {
  const active = model.activeVersion;
  const held = model.hold?.version ?? null;
  const trial = model.metrics().trial;
  const places = { active, onTrial: trial?.version ?? null, waiting: trial?.waiting ?? null };
  return model.versions
    .list()
    .map((entry) => ({
      id: entry.id,
      created: entry.createdAt,
      kind: entry.kind,
      evaluatedAccuracy: percent(entry.evaluation?.accuracy),
      evaluatedOn: entry.evaluation?.samples ?? 0,
      verdict: versionVerdict(entry, places),
      liveAccuracy: percent(entry.live?.accuracy),
      liveOn: entry.live?.samples ?? 0,
      active: entry.id === active,
      held: entry.id === held,
      pinned: entry.pinned === true,
    }))
    .reverse();
}

function percent(share: number | null | undefined): number | null {
  return typeof share === "number" && Number.isFinite(share) ? Math.round(share * 1000) / 10 : null;
}

/** "active v0004", or "held v0004 · dashboard" while a person's switch holds automatic activation there. */
export function activeStatus(model: PatternModel): { fill: "green" | "blue"; shape: "dot" | "ring"; text: string } {
  const hold = model.hold;
  if (hold && hold.version === model.activeVersion) {
    return { fill: "blue", shape: "ring", text: fitStatus(`held ${versionLabel(hold.version)} · ${hold.by}`) };
  }
  // A hold a better version ended is said where the hold was: in the status, until the next switch.
  const latest = model.versions.activations().at(-1);
  const ended = !hold && latest?.reason.startsWith("challenger promoted: ended the hold") === true;
  const text = ended
    ? `${versionLabel(model.activeVersion)} · hold ended`
    : `active ${versionLabel(model.activeVersion)}`;
  return { fill: "green", shape: "dot", text: fitStatus(text) };
}
