/** Where the demo flow lists recent updates and alerts for the terminal (GET, `?after=<seq>`). */
export const EVENTS_PATH = "/pattern-quality-demo/events";

/** One row of the admin API's version list, as far as the demo reads it. */
export interface VersionRow {
  id: string;
  kind?: string;
  /** Prequential accuracy in percent, or null. */
  accuracy?: number | null;
  active?: boolean;
}

/** The admin API's answer to GET /pattern-quality/<model>/versions. */
export interface VersionList {
  activeVersion: string | null;
  versions: VersionRow[];
}

/** An update's result or an alert, as the demo flow recorded it. */
export interface DemoEvent {
  seq: number;
  at: string;
  topic: string;
  payload: Record<string, unknown>;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Fetches the version list of a model from a running Node-RED's admin API. */
export function fetchVersions(baseUrl: string, modelId: string): Promise<VersionList> {
  return getJson<VersionList>(`${baseUrl}/pattern-quality/${encodeURIComponent(modelId)}/versions`);
}

/** Fetches the updates and alerts recorded after `after`. */
export function fetchEvents(baseUrl: string, after: number): Promise<DemoEvent[]> {
  return getJson<DemoEvent[]>(`${baseUrl}${EVENTS_PATH}?after=${after}`);
}

function percent(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : "–";
}

function clock(at: string): string {
  const date = new Date(at);
  return Number.isFinite(date.getTime()) ? date.toTimeString().slice(0, 8) : "--:--:--";
}

/** Where a stored model stands, for the first lines of a (re)started demo. */
export function standingLine(list: VersionList): string {
  if (list.versions.length === 0)
    return "Model: no version yet; the first one comes after the minimum number of answers.";
  const active = list.versions.find((row) => row.id === list.activeVersion);
  const accuracy = typeof active?.accuracy === "number" ? `${active.accuracy.toFixed(1)} %` : "–";
  return `Model: ${list.versions.length} stored version(s); active ${list.activeVersion ?? "none"} (accuracy ${accuracy}). Continuing from there.`;
}

/** The terminal line of an update (version, accuracy, update time) or of an alert. */
export function eventLine(event: DemoEvent): string {
  const p = event.payload;
  if (event.topic === "update") {
    const parts = [
      clock(event.at),
      String(p.version ?? "?").padEnd(6),
      String(p.kind ?? "?").padEnd(11),
      `accuracy ${percent(p.prequentialAccuracy)}`,
      `update ${typeof p.updateTimeMs === "number" ? Math.round(p.updateTimeMs) : "–"} ms`,
      `${typeof p.samples === "number" ? p.samples : "–"} samples`,
      p.activated === false ? "kept inactive (guardrail)" : "active",
    ];
    return parts.join(" · ");
  }
  return `${clock(event.at)} alert ${event.topic}: ${String(p.message ?? "")}`;
}
