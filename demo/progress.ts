import { promises as fs } from "node:fs";
import path from "node:path";
import { type UpdatePlaceFacts, updatePlace } from "../src/versions/verdict";

/** Where the demo flow lists its recent events for the terminal (GET, `?after=<seq>`). */
export const EVENTS_PATH = "/pattern-quality-demo/events";

/** A version's trial, as the admin API's version list carries it. */
export interface VersionEvaluation {
  outcome: string;
  accuracy: number;
  samples: number;
  against: string | null;
  againstAccuracy: number | null;
  decidedAt: string;
}

/** One row of the admin API's version list, as far as the demo reads it. */
export interface VersionRow {
  id: string;
  kind?: string;
  /** Accuracy over the answers it gave while active, in percent, or null. */
  liveAccuracy?: number | null;
  active?: boolean;
}

/** The admin API's answer to GET /pattern-quality/<model>/versions. */
export interface VersionList {
  activeVersion: string | null;
  versions: VersionRow[];
}

/** A version as the model store's registry (versions.json) keeps it, with its trial once decided. */
export interface StoredVersion {
  id: string;
  evaluation: VersionEvaluation | null;
}

/** The registry of a model store: the versions with their trials, and the active one. */
export async function readRegistry(storeDir: string): Promise<{ activeId: string | null; versions: StoredVersion[] }> {
  try {
    return JSON.parse(await fs.readFile(path.join(storeDir, "versions.json"), "utf8"));
  } catch {
    return { activeId: null, versions: [] };
  }
}

/** An event of the household flow, as the demo flow recorded it. */
export interface DemoEvent {
  seq: number;
  at: string;
  kind: string;
  data: Record<string, unknown>;
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

/** Fetches the events recorded after `after`. */
export function fetchEvents(baseUrl: string, after: number): Promise<DemoEvent[]> {
  return getJson<DemoEvent[]>(`${baseUrl}${EVENTS_PATH}?after=${after}`);
}

function percent(value: unknown): string {
  return typeof value === "number" && Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : "–";
}

/** Where a stored model stands, for the first lines of a (re)started demo. */
export function standingLine(list: VersionList): string {
  if (list.versions.length === 0) return "Model: no version yet; the first one comes after 6 answers.";
  const active = list.versions.find((row) => row.id === list.activeVersion);
  const accuracy = typeof active?.liveAccuracy === "number" ? `${active.liveAccuracy.toFixed(1)} %` : "–";
  return `Model: ${list.versions.length} stored version(s); active ${list.activeVersion ?? "none"} (live accuracy ${accuracy}). Continuing from there.`;
}

/** The terminal line of a flow event, or null for one not worth a line. */
export function eventLine(
  event: DemoEvent,
  names: ReadonlyMap<string, string>,
  titles: Map<string, string> = new Map(),
): string | null {
  const d = event.data;
  // Suggestions by their words: the titles seen in questions and automations name them later.
  if (event.kind === "asked")
    for (const s of d.asked as { patternId: string; title: string }[]) titles.set(s.patternId, s.title);
  if (typeof d.patternId === "string" && typeof (d.title ?? d.alias) === "string")
    titles.set(d.patternId, String(d.title ?? d.alias));
  const title = (id: unknown) => `"${titles.get(String(id)) ?? String(id)}"`;
  const who = (id: unknown) => (typeof id === "string" ? (names.get(id) ?? id) : "someone");
  switch (event.kind) {
    case "mined":
      return d.notice ? `mined: ${String(d.notice)}` : `mined: ${d.count} routines in the logbook`;
    case "asked": {
      const asked = d.asked as { title: string; via: string }[];
      if (asked.length === 0) return null;
      return asked.map((s) => `asked on the ${s.via}: "${s.title}?"`).join("\n");
    }
    case "answer": {
      const verb = d.answer === "approve" ? "approved" : d.answer === "reject" ? "rejected" : "said not now to";
      return `${who(d.by)} ${verb} ${title(d.patternId)}`;
    }
    case "automation":
      if (d.outcome === "skipped") return null;
      return d.outcome === "refused"
        ? `automation refused by Home Assistant: ${d.message}`
        : `automation ${d.outcome}: "${d.alias}" (${d.entityId ?? "entity not found yet"})`;
    case "learned":
      return `learned from the automation's fate: ${title(d.patternId)} ${d.label === 1 ? "kept (approve)" : "undone (reject)"}${d.user ? ` by ${who(d.user)}` : ""}`;
    case "update": {
      // The flow's update event carries the update's result as it came.
      const status = updatePlace(d as unknown as UpdatePlaceFacts);
      return `version ${d.version} (${d.kind}) trained on ${d.samples} answers in ${typeof d.updateTimeMs === "number" ? Math.round(d.updateTimeMs) : "–"} ms: ${status}`;
    }
    case "dashboard":
      return `dashboard: ${d.action}${d.version ? ` ${d.version}` : ""} by ${d.by ?? "someone"}`;
    case "alert":
      return `alert ${d.type}: ${d.message}`;
    default:
      return null;
  }
}

/** The line of a version's trial once it is decided: its outcome, its accuracy and the other's on the same answers. */
export function trialLine(row: StoredVersion, activeVersion: string | null): string | null {
  const e = row.evaluation;
  if (!e) return null;
  const against = e.against ? ` vs ${e.against}'s ${percent(e.againstAccuracy)}` : "";
  const now = row.id === activeVersion ? "live now" : "not live";
  return `version ${row.id} trial decided: ${e.outcome} (accuracy ${percent(e.accuracy)}${against} on ${e.samples} answers it had not learned) · ${now}`;
}
