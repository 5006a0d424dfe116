import type { VersionEntry } from "./entry";

/** Where the trials stand: the active version, the one on trial beside it and the one waiting its turn. */
export interface TrialPlaces {
  active: string | null;
  onTrial: string | null;
  waiting: string | null;
}

/**
 * A version's verdict in words, as every view of the versions shows it (admin API, model-version
 * node, dashboard, command line): its trial's outcome, or why it has none yet ("on trial",
 * "waiting for the trial of v0004 to end", "live, not judged yet", "never judged").
 */
export function versionVerdict(entry: Pick<VersionEntry, "id" | "evaluation">, places: TrialPlaces): string {
  if (entry.evaluation) return entry.evaluation.outcome;
  if (places.onTrial === entry.id) return "on trial";
  if (places.waiting === entry.id) return `waiting for the trial of ${places.onTrial ?? "another version"} to end`;
  return entry.id === places.active ? "live, not judged yet" : "never judged";
}
