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
