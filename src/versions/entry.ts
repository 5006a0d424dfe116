import { describeValue, InvalidInputError, ModelFormatError } from "../errors";
import { sha256 } from "../store/files";

export type VersionKind = "initial" | "incremental" | "full" | "import";
export const VERSION_KINDS: readonly VersionKind[] = ["initial", "incremental", "full", "import"];

export type VersionMetrics = Record<string, number | boolean | null>;

/** What the caller says about a new version. */
export interface VersionInput {
  /** The model, JSON-serializable; opaque to the registry. */
  model: unknown;
  kind: VersionKind;
  parentId?: string | null;
  trainedOn: { samples: number; feedbackWatermark: number };
  metrics: VersionMetrics;
  note?: string;
}

/** The immutable description of a version, as written into its model file. */
export interface VersionMeta {
  id: string;
  createdAt: string;
  parentId: string | null;
  kind: VersionKind;
  trainedOn: { samples: number; feedbackWatermark: number };
  metrics: VersionMetrics;
  note: string | null;
  /** For an imported version: the id and content digest it had where it was exported. */
  importedFrom?: { id: string; digest: string };
}

/** One version in the registry. */
export interface VersionEntry extends VersionMeta {
  /** sha256 of the model file's bytes, checked on every load. */
  sha256: string;
  sizeBytes: number;
  /** sha256 of the version's content (meta + model), the same in an export of it. */
  digest: string;
  pinned: boolean;
  /** The version's own figures on feedback it had not learned, from its evaluation (null until decided). */
  evaluation: VersionEvaluation | null;
  /** Its prequential figures over the feedback it answered while active (null until first active). */
  live: VersionLive | null;
}

/** How a version did when it was judged on feedback received after it was trained. */
export interface VersionEvaluation {
  method: string;
  samples: number;
  accuracy: number;
  kappa: number;
  brier: number;
  logLoss: number;
  /** The version it was judged beside (null when it was judged alone), and that one's accuracy on the same feedback. */
  against: string | null;
  againstAccuracy: number | null;
  /** Its accuracy minus the other's, in points, with a 95 % interval. */
  differencePoints: number | null;
  interval: [number, number] | null;
  /** better, not-worse, worse, or why the judgement ended early (superseded, activated by a person…). */
  outcome: string;
  decidedAt: string;
}

/** A version's prequential figures over the feedback it answered while it was the active one. */
export interface VersionLive {
  samples: number;
  correct: number;
  accuracy: number | null;
  firstActiveAt: string | null;
  lastActiveAt: string | null;
  /** The last feedback log seq counted (a replay after a restart counts only later ones). */
  throughSeq: number;
}

/** Automatic activation held by a person's switch, until they resume or a challenger proves better. */
export interface HoldState {
  version: string;
  by: string;
  reason: string;
  since: string;
}

/** The hold a person's switch to `version` sets, from now. */
export function holdAt(version: string, cause: { by: string; reason: string }): HoldState {
  return { version, by: cause.by, reason: cause.reason, since: new Date().toISOString() };
}

/** One switch of the active version. */
export interface ActivationRecord {
  at: string;
  from: string | null;
  to: string;
  reason: string;
  by: string;
}

export const MODEL_FILE_FORMAT = "pattern-quality-version";
const ID_PATTERN = /^v\d{4,9}$/;

/** Checks a version id (also against path tricks such as `../x`); returns it. */
export function checkVersionId(value: unknown, field = "id"): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    throw new InvalidInputError(field, `expected a version id like v0001, got ${describeValue(value)}`);
  }
  return value;
}

/** The id for version number `n`: v0001, v0002, … */
export function versionId(n: number): string {
  return `v${String(n).padStart(4, "0")}`;
}

/** The number inside a version id. */
export function versionNumber(id: string): number {
  return Number(id.slice(1));
}

/** Serializes a version into its model file (also its export): a self-verifying JSON document. */
export function modelFileText(meta: VersionMeta, model: unknown): { text: string; digest: string } {
  const modelJson = JSON.stringify(model);
  if (modelJson === undefined)
    throw new InvalidInputError("model", `expected a JSON-serializable model, got ${describeValue(model)}`);
  const metaJson = JSON.stringify(meta);
  // Equal to JSON.stringify({ version, model }) of the parsed file, so a reader can recompute it.
  const digest = sha256(`{"version":${metaJson},"model":${modelJson}}`);
  const head = `{"format":"${MODEL_FILE_FORMAT}","formatVersion":1,"digest":"${digest}"`;
  const text = `${head},"version":${metaJson},"model":${modelJson}}\n`;
  return { text, digest };
}

/** Parses and checks a model file or an export; throws ModelFormatError when malformed or tampered with. */
export function parseModelFile(text: string): { meta: VersionMeta; model: unknown; digest: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`not a JSON document: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ModelFormatError(`expected a version document, got ${describeValue(parsed)}`);
  }
  const document = parsed as Record<string, unknown>;
  if (document.format !== MODEL_FILE_FORMAT) {
    throw new ModelFormatError(`expected format "${MODEL_FILE_FORMAT}", got ${describeValue(document.format)}`);
  }
  if (document.formatVersion !== 1) {
    throw new ModelFormatError(
      `unsupported formatVersion ${describeValue(document.formatVersion)} (this release reads 1)`,
    );
  }
  if (!("model" in document)) throw new ModelFormatError("the document has no model");
  const meta = checkMeta(document.version);
  const digest = sha256(JSON.stringify({ version: document.version, model: document.model }));
  if (document.digest !== digest) {
    throw new ModelFormatError("the content does not match its digest: the file was altered or damaged");
  }
  return { meta, model: document.model, digest };
}

function checkMeta(value: unknown): VersionMeta {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ModelFormatError(`expected version metadata, got ${describeValue(value)}`);
  }
  const meta = value as Record<string, unknown>;
  try {
    const checked: VersionMeta = {
      id: checkVersionId(meta.id, "version.id"),
      createdAt: checkTime(meta.createdAt, "version.createdAt"),
      parentId: meta.parentId === null ? null : checkVersionId(meta.parentId, "version.parentId"),
      kind: checkKind(meta.kind, "version.kind"),
      trainedOn: checkTrainedOn(meta.trainedOn, "version.trainedOn"),
      metrics: checkMetrics(meta.metrics, "version.metrics"),
      note: meta.note === null ? null : checkNote(meta.note, "version.note"),
    };
    if (meta.importedFrom !== undefined) {
      const from = meta.importedFrom as Record<string, unknown> | null;
      if (typeof from !== "object" || from === null || typeof from.digest !== "string") {
        throw new InvalidInputError("version.importedFrom", `expected { id, digest }, got ${describeValue(from)}`);
      }
      checked.importedFrom = { id: checkVersionId(from.id, "version.importedFrom.id"), digest: from.digest };
    }
    return checked;
  } catch (error) {
    throw new ModelFormatError((error as Error).message);
  }
}

/** The metadata of new version `id` from what the caller says about it; InvalidInputError names a bad field. */
export function newVersionMeta(id: string, input: VersionInput): VersionMeta {
  if (typeof input !== "object" || input === null) {
    throw new InvalidInputError("version", `expected { model, kind, trainedOn, metrics }, got ${describeValue(input)}`);
  }
  const parentId =
    input.parentId === undefined || input.parentId === null ? null : checkVersionId(input.parentId, "parentId");
  return {
    id,
    createdAt: new Date().toISOString(),
    parentId,
    kind: checkKind(input.kind),
    trainedOn: checkTrainedOn(input.trainedOn),
    metrics: checkMetrics(input.metrics),
    note: input.note === undefined ? null : checkNote(input.note),
  };
}

/** The metadata of version `id` imported from an export whose own metadata is `source`. */
export function importedMeta(id: string, source: VersionMeta, digest: string): VersionMeta {
  const origin = `imported ${source.id} (${source.kind}, created ${source.createdAt})`;
  const note = source.note ? `${origin}: ${source.note}` : origin;
  return {
    id,
    createdAt: new Date().toISOString(),
    parentId: null,
    kind: "import",
    trainedOn: source.trainedOn,
    metrics: source.metrics,
    note: note.slice(0, 1000),
    importedFrom: { id: source.id, digest },
  };
}

/** Checks a version kind. */
export function checkKind(value: unknown, field = "kind"): VersionKind {
  if (!VERSION_KINDS.includes(value as VersionKind)) {
    throw new InvalidInputError(field, `expected one of ${VERSION_KINDS.join(", ")}, got ${describeValue(value)}`);
  }
  return value as VersionKind;
}

/** Checks `{ samples, feedbackWatermark }`: whole numbers ≥ 0. */
export function checkTrainedOn(value: unknown, field = "trainedOn"): { samples: number; feedbackWatermark: number } {
  if (typeof value !== "object" || value === null) {
    throw new InvalidInputError(field, `expected { samples, feedbackWatermark }, got ${describeValue(value)}`);
  }
  const trainedOn = value as Record<string, unknown>;
  for (const key of ["samples", "feedbackWatermark"]) {
    const number = trainedOn[key];
    if (typeof number !== "number" || !Number.isInteger(number) || number < 0) {
      throw new InvalidInputError(`${field}.${key}`, `expected a whole number ≥ 0, got ${describeValue(number)}`);
    }
  }
  return { samples: trainedOn.samples as number, feedbackWatermark: trainedOn.feedbackWatermark as number };
}

/** Checks metrics: names to finite numbers, booleans or null. */
export function checkMetrics(value: unknown, field = "metrics"): VersionMetrics {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected named numbers, got ${describeValue(value)}`);
  }
  const metrics: VersionMetrics = Object.create(null);
  for (const [name, metric] of Object.entries(value)) {
    if (!(metric === null || typeof metric === "boolean" || (typeof metric === "number" && Number.isFinite(metric)))) {
      throw new InvalidInputError(
        `${field}.${name}`,
        `expected a finite number, a boolean or null, got ${describeValue(metric)}`,
      );
    }
    metrics[name] = metric;
  }
  return metrics;
}

/** Checks a free-text note (≤ 1,000 characters). */
export function checkNote(value: unknown, field = "note"): string {
  if (typeof value !== "string" || value.length > 1000) {
    throw new InvalidInputError(field, `expected text of at most 1,000 characters, got ${describeValue(value)}`);
  }
  return value;
}

function checkTime(value: unknown, field: string): string {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new InvalidInputError(field, `expected an ISO 8601 time, got ${describeValue(value)}`);
  }
  return value;
}

/** An export's model file, checked: a usable model, not already in the registry (InvalidInputError, ModelFormatError). */
export function readExport(
  text: unknown,
  validateModel: (json: unknown) => void,
  versions: readonly VersionEntry[],
): ReturnType<typeof parseModelFile> {
  if (typeof text !== "string")
    throw new InvalidInputError("file", `expected the text of an export, got ${describeValue(text)}`);
  let parsed: ReturnType<typeof parseModelFile>;
  try {
    parsed = parseModelFile(text);
    validateModel(parsed.model);
  } catch (error) {
    throw new ModelFormatError(`cannot import: ${(error as Error).message}`, { cause: error });
  }
  const same = versions.find((entry) => entry.digest === parsed.digest || entry.importedFrom?.digest === parsed.digest);
  if (same) throw new InvalidInputError("file", `this version is already in the registry as ${same.id}`);
  return parsed;
}
