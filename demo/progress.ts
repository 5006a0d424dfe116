/** One row of the admin API's version list, as far as the demo reads it. */
export interface VersionRow {
  id: string;
  created?: string;
  kind?: string;
  accuracy?: number | null;
  active?: boolean;
  [other: string]: unknown;
}

/** The admin API's answer to GET /pattern-quality/<model>/versions. */
export interface VersionList {
  activeVersion: string | null;
  versions: VersionRow[];
}

/** Fetches the version list of a model from a running Node-RED's admin API. */
export async function fetchVersions(baseUrl: string, modelId: string, signal?: AbortSignal): Promise<VersionList> {
  const response = await fetch(`${baseUrl}/pattern-quality/${encodeURIComponent(modelId)}/versions`, signal ? { signal } : {});
  if (!response.ok) throw new Error(`GET versions answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as VersionList;
}

function percent(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : "–";
}

function milliseconds(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? `${Math.round(value)} ms` : "–";
}

/** The terminal line for a new version: id, kind, accuracy, update time, samples, whether active. */
export function progressLine(row: VersionRow, activeVersion: string | null): string {
  const metrics = (typeof row.metrics === "object" && row.metrics !== null ? row.metrics : {}) as Record<string, unknown>;
  const accuracy = row.accuracy ?? metrics.prequentialAccuracy;
  const fading = row.fadingAccuracy ?? metrics.fadingAccuracy;
  const time = row.updateTimeMs ?? metrics.updateTimeMs;
  const samples = row.samples ?? metrics.samples;
  const parts = [
    `${row.id}`.padEnd(6),
    `${row.kind ?? "?"}`.padEnd(11),
    `accuracy ${percent(accuracy)}`,
    `fading ${percent(fading)}`,
    `update ${milliseconds(time)}`,
  ];
  if (typeof samples === "number") parts.push(`${samples} samples`);
  parts.push(row.id === activeVersion ? "active" : "kept inactive");
  return parts.join(" · ");
}

/**
 * Watches a model's versions and reports each new one once, in order. Versions present at the
 * first poll are reported too (a restarted demo shows where it stands).
 */
export class VersionWatch {
  private readonly seen = new Set<string>();
  private lastActive: string | null | undefined;

  /** Lines describing what changed since the last call. */
  changes(list: VersionList): string[] {
    const lines: string[] = [];
    for (const row of list.versions.slice().sort((a, b) => a.id.localeCompare(b.id))) {
      if (this.seen.has(row.id)) continue;
      this.seen.add(row.id);
      lines.push(progressLine(row, list.activeVersion));
    }
    if (this.lastActive !== undefined && list.activeVersion !== this.lastActive && list.activeVersion !== null) {
      const isNew = lines.some((line) => line.startsWith(list.activeVersion!));
      if (!isNew) lines.push(`active version is now ${list.activeVersion}`);
    }
    this.lastActive = list.activeVersion;
    return lines;
  }
}
