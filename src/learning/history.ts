import { randomUUID } from "node:crypto";
import { describeValue, InvalidInputError } from "../errors";
import { PATTERN_MODEL_SPEC } from "../settings/spec";
import { checkWholeNumber } from "../validate";
import { parseLabel, type Features, type Label } from "../feedback/feedback";
import type { FeatureSchema } from "../features/schema";
import { RowStore } from "./rows";

/** Rows kept by default: as many as the feedback kept (100,000 by default: 20 MB at 25 features). */
export const DEFAULT_HISTORY_CAPACITY = PATTERN_MODEL_SPEC.retention.feedback.default;

/**
 * The feedback a model may be trained on, as feature vectors and labels in typed arrays. The
 * store replays the feedback log into it on open; incremental updates sample its most recent
 * rows, a full retrain uses all of it. Only the most recent `capacity` rows are kept.
 */
export class TrainingHistory {
  readonly schema: FeatureSchema;
  /** Identifies this history to the training worker, which keeps a copy of it. */
  readonly id: string = randomUUID();
  private readonly rows: RowStore;

  /** An empty history for vectors of this schema, keeping at most `capacity` rows. */
  constructor(schema: FeatureSchema, capacity = DEFAULT_HISTORY_CAPACITY) {
    checkWholeNumber(capacity, "capacity", { min: 1 });
    this.schema = schema;
    this.rows = new RowStore(schema.size, capacity);
  }

  /** Rows kept. */
  get size(): number {
    return this.rows.size;
  }

  /** Rows kept at most. */
  get capacity(): number {
    return this.rows.capacity;
  }

  /** Sequence number of the next row: rows ever added. */
  get endSeq(): number {
    return this.rows.endSeq;
  }

  /** Sequence number of the oldest row kept. */
  get firstSeq(): number {
    return this.rows.firstSeq;
  }

  /** Adds one labelled row (validated first: InvalidInputError naming the field, nothing added). */
  add(x: Float64Array | Features | readonly number[], y: Label): void {
    const row = this.schema.vector(x, "features");
    const label = parseLabel(y, "label");
    this.rows.append(row, Uint8Array.of(label));
  }

  /** Adds labelled rows, all validated before any is added. */
  addBatch(X: readonly (Float64Array | Features | readonly number[])[], y: readonly unknown[]): void {
    const batch = encodeBatch(this.schema, X, y);
    this.rows.append(batch.X, batch.y);
  }

  /** A copy of rows [fromSeq, toSeq) (clipped to the rows kept), row-major. */
  slice(fromSeq?: number, toSeq?: number): { X: Float64Array; y: Uint8Array; n: number; d: number; fromSeq: number } {
    return this.rows.slice(fromSeq, toSeq);
  }

  /** [rejections, approvals] among the rows kept. */
  labelCounts(): [number, number] {
    return this.rows.labelCounts();
  }
}

/**
 * Validates a batch of rows and labels and packs it row-major. The field names point at the
 * culprit, e.g. `batch.X[3].confidence_raw` or `batch.y[7]`.
 */
export function encodeBatch(
  schema: FeatureSchema,
  X: unknown,
  y: unknown,
  field = "batch",
): { X: Float64Array; y: Uint8Array; n: number } {
  if (!Array.isArray(X))
    throw new InvalidInputError(`${field}.X`, `expected an array of feature rows, got ${describeValue(X)}`);
  if (!Array.isArray(y))
    throw new InvalidInputError(`${field}.y`, `expected an array of labels, got ${describeValue(y)}`);
  if (X.length === 0) throw new InvalidInputError(`${field}.X`, "expected at least one row, got an empty batch");
  if (y.length !== X.length) {
    throw new InvalidInputError(`${field}.y`, `expected ${X.length} labels (one per row), got ${y.length}`);
  }
  const d = schema.size;
  const rows = new Float64Array(X.length * d);
  const labels = new Uint8Array(X.length);
  for (let i = 0; i < X.length; i++) {
    rows.set(schema.vector(X[i], `${field}.X[${i}]`), i * d);
    labels[i] = parseLabel(y[i], `${field}.y[${i}]`);
  }
  return { X: rows, y: labels, n: X.length };
}
