/**
 * Errors a user can act on. Every error the core throws is a PatternQualityError with a stable
 * `code` (for flows and scripts) and, for bad input, the `field` at fault.
 */
export class PatternQualityError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input that does not fit: a feature, a label, a batch, a command. Nothing was changed. */
export class InvalidInputError extends PatternQualityError {
  readonly field: string;

  constructor(field: string, message: string) {
    super("invalid-input", `${field}: ${message}`);
    this.field = field;
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
