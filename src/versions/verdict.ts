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
  if (places.waiting === entry.id) return waitingFor(places.onTrial);
  return entry.id === places.active ? "live, not judged yet" : "never judged";
}

/** What an update's result says of its version's place (see UpdateResult). */
export interface UpdatePlaceFacts {
  activated: boolean;
  trial: { against: string; waitingFor: string | null } | null;
}

/** What became of the version an update saved, in the verdict's words ("on trial beside v0004"…). */
export function updatePlace(update: UpdatePlaceFacts): string {
  if (update.trial?.waitingFor) return waitingFor(update.trial.waitingFor);
  if (update.trial) return `on trial beside ${update.trial.against}`;
  return update.activated ? "live now" : "kept back (the active version stays)";
}

function waitingFor(onTrial: string | null): string {
  return `waiting for the trial of ${onTrial ?? "another version"} to end`;
}
