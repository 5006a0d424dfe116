import { describeValue, InvalidInputError, ModelFormatError } from "../errors";
import type { Features } from "../feedback/feedback";
import { checkNumber, checkText } from "../validate";

/**
 * The ordered names of a model's numeric features. A model is trained on vectors in this order;
 * `vector()` turns what a flow sends (named features or a plain array) into such a vector and
 * refuses anything that does not fit, so a typo in a feature name never trains a model silently.
 */
export class FeatureSchema {
  readonly names: readonly string[];
  private readonly positions: ReadonlyMap<string, number>;

  /** A schema over these feature names (non-empty, unique, non-blank strings). */
  constructor(names: readonly string[], field = "schema.names") {
    if (!Array.isArray(names))
      throw new InvalidInputError(field, `expected a list of feature names, got ${describeValue(names)}`);
    if (names.length === 0) throw new InvalidInputError(field, "expected at least one feature name");
    const positions = new Map<string, number>();
    names.forEach((given: unknown, i) => {
      const name = checkText(given, `${field}[${i}]`);
      if (positions.has(name)) throw new InvalidInputError(`${field}[${i}]`, `duplicate feature name "${name}"`);
      positions.set(name, i);
    });
    this.names = Object.freeze([...names]);
    this.positions = positions;
  }

  /** Number of features. */
  get size(): number {
    return this.names.length;
  }

  /** Position of a feature in the vector, or -1 when the schema has no such feature. */
  indexOf(name: string): number {
    return this.positions.get(name) ?? -1;
  }

  /**
   * The feature vector for named features or a positional array, in schema order.
   * Throws InvalidInputError naming the field (e.g. `features.device_count_total`) for a value
   * that is not a finite number, an unknown or missing name, or an array of the wrong length.
   */
  vector(input: Features | readonly number[] | Float64Array, field = "features"): Float64Array {
    const out = new Float64Array(this.names.length);
    if (input instanceof Float64Array || Array.isArray(input)) {
      const values = input as ArrayLike<unknown>;
      if (values.length !== this.names.length) {
        throw new InvalidInputError(
          field,
          `expected ${this.names.length} values (${this.preview()}), got ${values.length}`,
        );
      }
      for (let i = 0; i < values.length; i++) out[i] = finite(values[i], field, this.names[i] as string);
      return out;
    }
    if (typeof input !== "object" || input === null || ArrayBuffer.isView(input)) {
      throw new InvalidInputError(field, `expected named features or an array of numbers, got ${describeValue(input)}`);
    }
    const record = input as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!this.positions.has(key)) {
        throw new InvalidInputError(`${field}.${key}`, `unknown feature; expected only ${this.preview()}`);
      }
    }
    this.names.forEach((name, i) => {
      if (!Object.hasOwn(record, name)) throw new InvalidInputError(`${field}.${name}`, "missing feature");
      out[i] = finite(record[name], field, name);
    });
    return out;
  }

  /** Named features for a vector in schema order (the inverse of `vector`). */
  named(vector: ArrayLike<number>): Features {
    const features: Features = Object.create(null);
    this.names.forEach((name, i) => {
      features[name] = vector[i] as number;
    });
    return features;
  }

  /** The serialized form stored inside a model. */
  toJSON(): { names: string[] } {
    return { names: [...this.names] };
  }

  /** Reads a serialized schema; anything malformed is a ModelFormatError. */
  static fromJSON(json: unknown): FeatureSchema {
    if (typeof json !== "object" || json === null || !Array.isArray((json as { names?: unknown }).names)) {
      throw new ModelFormatError(`feature schema: expected { names: [...] }, got ${describeValue(json)}`);
    }
    try {
      return new FeatureSchema((json as { names: string[] }).names);
    } catch (error) {
      throw new ModelFormatError(`feature schema: ${(error as Error).message}`, { cause: error });
    }
  }

  /** True when both schemas have the same names in the same order. */
  equals(other: FeatureSchema): boolean {
    return other.names.length === this.names.length && this.names.every((name, i) => other.names[i] === name);
  }

  private preview(): string {
    const shown = this.names.slice(0, 5).join(", ");
    return this.names.length > 5 ? `${shown}, … (${this.names.length} in all)` : shown;
  }
}

/** The value of feature `name`; its field name is only put together for an error (this runs per value). */
function finite(value: unknown, field: string, name: string): number {
  return typeof value === "number" && Number.isFinite(value) ? value : checkNumber(value, `${field}.${name}`);
}
