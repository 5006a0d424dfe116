import type { PatternModel } from "../../src/model/pattern-model";

/** One row of the versions table (Dashboard 2 ui-table, admin API): newest first. */
export interface VersionRow {
  id: string;
  created: string;
  kind: string;
  /** Prequential accuracy in percent with one decimal, or null before it is known. */
  accuracy: number | null;
  active: boolean;
  pinned: boolean;
}

/** The model's versions as table rows, newest first. */
export function versionRows(model: PatternModel): VersionRow[] {
  const active = model.activeVersion;
  return model.versions
    .list()
    .map((entry) => {
      const accuracy = entry.metrics?.prequentialAccuracy;
      return {
        id: entry.id,
        created: entry.createdAt,
        kind: entry.kind,
        accuracy: typeof accuracy === "number" && Number.isFinite(accuracy) ? Math.round(accuracy * 1000) / 10 : null,
        active: entry.id === active,
        pinned: entry.pinned === true,
      };
    })
    .reverse();
}
