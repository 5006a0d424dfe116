/** Every code a PatternQualityError carries: flows, scripts and the admin API branch on these. */
export type ErrorCode =
  // input
  | "invalid-input"
  | "unknown-version"
  | "version-in-use"
  | "schema-mismatch"
  // the model and its updates
  | "model-closed"
  | "missing-model"
  | "not-enough-feedback"
  | "no-new-feedback"
  | "update-not-needed"
  | "training-failed"
  | "trainer-closed"
  | "model-format"
  // mining routines
  | "mining-failed"
  // the store on disk
  | "store-locked"
  | "store-write"
  | "store-corrupt"
  | "store-closed"
  | "store-missing"
  | "store-read-only"
  // Home Assistant
  | HomeAssistantErrorCode
  // the command line
  | "bench-missing"
  | "package-missing";

/** Codes of a problem talking to Home Assistant (HomeAssistantError). */
export type HomeAssistantErrorCode =
  | "ha-cannot-connect"
  | "ha-timeout"
  | "ha-auth-failed"
  | "ha-unauthorized"
  | "ha-not-connected"
  | "ha-command-failed"
  | "ha-closed"
  | "ha-refused"
  | "automation-id-in-use";

/**
 * Errors a user can act on. Every error the core throws is a PatternQualityError with a stable
 * `code` (for flows and scripts) and, for bad input, the `field` at fault.
 */
export class PatternQualityError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Input that does not fit: a feature, a label, a batch, a command. Nothing was changed. The
 * field may carry user text (an unknown feature's name), so it is cut as echoed values are.
 */
export class InvalidInputError extends PatternQualityError {
  readonly field: string;

  constructor(field: string, message: string) {
    const shown = echoText(field);
    super("invalid-input", `${shown}: ${message}`);
    this.field = shown;
  }
}

/** A serialized model that is malformed, tampered with or of an unknown format. */
export class ModelFormatError extends PatternQualityError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("model-format", message, options);
  }
}

/** Another process (or another open in this one) already writes to this store directory. */
export class StoreLockedError extends PatternQualityError {
  readonly directory: string;
  readonly holderPid: number | null;

  constructor(directory: string, holderPid: number | null, message: string) {
    super("store-locked", message);
    this.directory = directory;
    this.holderPid = holderPid;
  }
}

/** A file of the store could not be read or written (read-only or full disk, a file where a directory belongs). */
export class StoreWriteError extends PatternQualityError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("store-write", message, options);
    this.path = path;
  }
}

/** A stored file failed its check (hash, size, format): it was set aside and reported. */
export class StoreCorruptError extends PatternQualityError {
  readonly path: string;

  constructor(path: string, message: string) {
    super("store-corrupt", message);
    this.path = path;
  }
}

/** The version id names no version in the registry. */
export class UnknownVersionError extends PatternQualityError {
  readonly id: string;

  constructor(id: string, message: string) {
    super("unknown-version", message);
    this.id = id;
  }
}

/** The operation is refused because the version is active or pinned (e.g. delete). */
export class VersionInUseError extends PatternQualityError {
  readonly id: string;

  constructor(id: string, message: string) {
    super("version-in-use", message);
    this.id = id;
  }
}

/**
 * The most characters of user input an error message repeats: enough to recognise a value,
 * while a megabyte sent by mistake (or on purpose) does not become a megabyte of log.
 */
export const MAX_ECHO_LENGTH = 80;

/**
 * User text as an error message repeats it: whole up to MAX_ECHO_LENGTH characters, else cut,
 * saying so. The note names no length, so text cut once and prefixed again (a field re-anchored
 * under `msg.payload`) is cut to the same shape rather than described wrongly.
 */
export function echoText(text: string): string {
  return text.length <= MAX_ECHO_LENGTH ? text : `${cutText(text)}… (cut to ${MAX_ECHO_LENGTH} characters)`;
}

/** A short, safe description of a bad value for an error message (text is cut as echoText cuts it). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    if (value.length <= MAX_ECHO_LENGTH) return JSON.stringify(value);
    return `${JSON.stringify(cutText(value))}… (${value.length} characters, cut to ${MAX_ECHO_LENGTH})`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

/** The first MAX_ECHO_LENGTH characters, one fewer when the cut would split a surrogate pair. */
function cutText(text: string): string {
  const high = text.charCodeAt(MAX_ECHO_LENGTH - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_ECHO_LENGTH - 1 : MAX_ECHO_LENGTH);
}
