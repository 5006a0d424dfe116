import { describeValue, ModelFormatError } from "../errors";
import { FeatureSchema } from "../features/schema";
import { decodeArray, encodeArray } from "./codec";
import type { ForestTree } from "./forest";
import { storedParams, type ForestParams } from "./params";

/** The `format` of a serialized model. */
export const MODEL_FORMAT = "pattern-quality-forest";
/** The version of the serialized form this code writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * One serialized tree. Arrays are base64 of little-endian bytes. Only what a tree needs is stored:
 * `feature` for every node (-1 = leaf), `threshold` and `left` for the inner nodes in node order
 * (the right child is always left + 1), `value` ([reject, approve] weights) for the leaves in node order.
 */
export interface TreeJSON {
  serial: number;
  trainedRows: number;
  windowRows: number;
  classWeight: [number, number];
  /** Fading mean absolute error of the tree on online feedback. */
  error: number;
  /** Online feedbacks the tree has learned. */
  seen: number;
  nodes: number;
  feature: string;
  threshold: string;
  left: string;
  value: string;
}

/** A serialized PatternLearner. */
export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  schema: { names: string[] };
  params: ForestParams;
  /** Trees grown so far in this model's lineage: the next tree's serial. */
  treesGrown: number;
  /** [rejections, approvals] learned online: the prior while the forest is empty. */
  labelCounts: [number, number];
  trees: TreeJSON[];
}

/** What a model is made of, after validation. */
export interface ModelParts {
  schema: FeatureSchema;
  params: ForestParams;
  treesGrown: number;
  labelCounts: [number, number];
  trees: ForestTree[];
}

const MODEL_KEYS = ["format", "formatVersion", "schema", "params", "treesGrown", "labelCounts", "trees"];
const TREE_KEYS = [
  "serial",
  "trainedRows",
  "windowRows",
  "classWeight",
  "error",
  "seen",
  "nodes",
  "feature",
  "threshold",
  "left",
  "value",
];
const MAX_NODES = 1 << 24;

/** The encoded structure of a tree (everything but its leaf weights) and where its leaves are. */
interface EncodedStructure {
  feature: string;
  threshold: string;
  left: string;
  leaves: Int32Array;
}

/**
 * A tree's structure never changes after it is grown (online learning changes leaf weights only,
 * and copies of a tree share its structure arrays), so it is encoded once per tree: saving a new
 * version then encodes only the leaf weights, and the main thread's part of an update stays short.
 */
const encodedStructures = new WeakMap<Int32Array, EncodedStructure>();

function encodedStructure(tree: ForestTree): EncodedStructure {
  const cached = encodedStructures.get(tree.feature);
  if (cached) return cached;
  const nodes = tree.feature.length;
  let inner = 0;
  for (let i = 0; i < nodes; i++) if ((tree.feature[i] as number) >= 0) inner++;
  const threshold = new Float64Array(inner);
  const left = new Int32Array(inner);
  const leaves = new Int32Array(nodes - inner);
  for (let i = 0, a = 0, b = 0; i < nodes; i++) {
    if ((tree.feature[i] as number) >= 0) {
      threshold[a] = tree.threshold[i] as number;
      left[a++] = tree.left[i] as number;
    } else {
      leaves[b++] = i;
    }
  }
  const encoded = {
    feature: encodeArray(tree.feature),
    threshold: encodeArray(threshold),
    left: encodeArray(left),
    leaves,
  };
  encodedStructures.set(tree.feature, encoded);
  return encoded;
}

/** The JSON form of one tree. */
export function treeToJSON(tree: ForestTree): TreeJSON {
  const structure = encodedStructure(tree);
  const leaves = structure.leaves;
  const value = new Float64Array(2 * leaves.length);
  for (let b = 0; b < leaves.length; b++) {
    const i = leaves[b] as number;
    value[2 * b] = tree.value[2 * i] as number;
    value[2 * b + 1] = tree.value[2 * i + 1] as number;
  }
  return {
    serial: tree.serial,
    trainedRows: tree.trainedRows,
    windowRows: tree.windowRows,
    classWeight: [tree.classWeight[0] as number, tree.classWeight[1] as number],
    error: tree.error,
    seen: tree.seen,
    nodes: tree.feature.length,
    feature: structure.feature,
    threshold: structure.threshold,
    left: structure.left,
    value: encodeArray(value),
  };
}

/** Reads and checks a serialized model completely; the first problem found is a ModelFormatError. */
export function readModel(json: unknown): ModelParts {
  const model = record(json, "model");
  if (model.format !== MODEL_FORMAT) fail(`format: expected "${MODEL_FORMAT}", got ${describeValue(model.format)}`);
  if (model.formatVersion !== MODEL_FORMAT_VERSION) {
    fail(
      `formatVersion: this version reads format version ${MODEL_FORMAT_VERSION}, ` +
        `got ${describeValue(model.formatVersion)}`,
    );
  }
  onlyKeys(model, MODEL_KEYS, "model");
  const schema = FeatureSchema.fromJSON(model.schema);
  const params = storedParams(model.params);
  const treesGrown = integer(model.treesGrown, "treesGrown", 0, Number.MAX_SAFE_INTEGER);
  const counts = model.labelCounts;
  if (!Array.isArray(counts) || counts.length !== 2)
    fail(`labelCounts: expected [rejections, approvals], got ${describeValue(counts)}`);
  const labelCounts: [number, number] = [
    integer(counts[0], "labelCounts[0]", 0, Number.MAX_SAFE_INTEGER),
    integer(counts[1], "labelCounts[1]", 0, Number.MAX_SAFE_INTEGER),
  ];
  if (!Array.isArray(model.trees)) fail(`trees: expected an array, got ${describeValue(model.trees)}`);
  const treesJSON = model.trees as unknown[];
  if (treesJSON.length > params.trees)
    fail(`trees: ${treesJSON.length} trees, more than params.trees (${params.trees})`);
  const serials = new Set<number>();
  const trees = treesJSON.map((tree, i) => {
    const parsed = readTree(tree, `trees[${i}]`, schema.size, treesGrown);
    if (serials.has(parsed.serial)) fail(`trees[${i}].serial: ${parsed.serial} appears twice`);
    serials.add(parsed.serial);
    return parsed;
  });
  return { schema, params, treesGrown, labelCounts, trees };
}

function readTree(json: unknown, field: string, d: number, treesGrown: number): ForestTree {
  const tree = record(json, field);
  onlyKeys(tree, TREE_KEYS, field);
  const serial = integer(tree.serial, `${field}.serial`, 0, treesGrown - 1);
  const trainedRows = integer(tree.trainedRows, `${field}.trainedRows`, 1, Number.MAX_SAFE_INTEGER);
  const windowRows = integer(tree.windowRows, `${field}.windowRows`, 1, trainedRows);
  const weights = tree.classWeight;
  if (!Array.isArray(weights) || weights.length !== 2)
    fail(`${field}.classWeight: expected [reject, approve] weights, got ${describeValue(weights)}`);
  const classWeight = Float64Array.of(
    positive(weights[0], `${field}.classWeight[0]`),
    positive(weights[1], `${field}.classWeight[1]`),
  );
  const error = tree.error;
  if (typeof error !== "number" || !(error >= 0 && error <= 1))
    fail(`${field}.error: expected a number from 0 to 1, got ${describeValue(error)}`);
  const seen = integer(tree.seen, `${field}.seen`, 0, Number.MAX_SAFE_INTEGER);
  const nodes = integer(tree.nodes, `${field}.nodes`, 1, MAX_NODES);

  const feature = array(tree.feature, Int32Array, `${field}.feature`, nodes);
  let inner = 0;
  for (let i = 0; i < nodes; i++) {
    const f = feature[i] as number;
    if (f < -1 || f >= d)
      fail(`${field}.feature[${i}]: ${f} is not a feature of this schema (0…${d - 1}) or -1 for a leaf`);
    if (f >= 0) inner++;
  }
  const leaves = nodes - inner;
  const thresholds = array(tree.threshold, Float64Array, `${field}.threshold`, inner);
  const lefts = array(tree.left, Int32Array, `${field}.left`, inner);
  const values = array(tree.value, Float64Array, `${field}.value`, 2 * leaves);

  // Every node but the root must be the child of exactly one earlier node: that makes it a tree
  // (no cycles, no shared subtrees, nothing unreachable).
  const parents = new Uint8Array(nodes);
  const threshold = new Float64Array(nodes);
  const left = new Int32Array(nodes).fill(-1);
  const right = new Int32Array(nodes).fill(-1);
  const value = new Float64Array(2 * nodes);
  for (let i = 0, a = 0, b = 0; i < nodes; i++) {
    if ((feature[i] as number) >= 0) {
      const t = thresholds[a] as number;
      if (!Number.isFinite(t)) fail(`${field}.threshold[${a}]: expected a finite number, got ${t}`);
      const l = lefts[a] as number;
      if (l <= i || l + 1 >= nodes)
        fail(`${field}.left[${a}]: child ${l} of node ${i} must come after it and within the ${nodes} nodes`);
      if (parents[l] || parents[l + 1]) fail(`${field}.left[${a}]: node ${l} already has a parent`);
      parents[l] = 1;
      parents[l + 1] = 1;
      threshold[i] = t;
      left[i] = l;
      right[i] = l + 1;
      a++;
    } else {
      const v0 = values[b++] as number;
      const v1 = values[b++] as number;
      if (!(v0 >= 0 && v1 >= 0 && Number.isFinite(v0) && Number.isFinite(v1))) {
        fail(`${field}.value: leaf ${i} has class weights ${v0}, ${v1}; expected finite numbers ≥ 0`);
      }
      value[2 * i] = v0;
      value[2 * i + 1] = v1;
    }
  }
  for (let i = 1; i < nodes; i++) if (!parents[i]) fail(`${field}: node ${i} is not reachable from the root`);
  return { serial, trainedRows, windowRows, classWeight, error, seen, feature, threshold, left, right, value };
}

function array<T extends Int32Array | Float64Array>(
  text: unknown,
  kind: { new (length: number): T; BYTES_PER_ELEMENT: number },
  field: string,
  length: number,
): T {
  const decoded = decodeArray(text, kind);
  if (typeof decoded === "string") fail(`${field}: ${decoded}`);
  if (decoded.length !== length) fail(`${field}: expected ${length} values, got ${decoded.length}`);
  return decoded;
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    fail(`${field}: expected an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], field: string): void {
  for (const key of keys) if (!(key in value)) fail(`${field}.${key}: missing`);
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(`${field}.${key}: unknown field`);
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`${field}: expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

function positive(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    fail(`${field}: expected a finite number > 0, got ${describeValue(value)}`);
  return value;
}

function fail(message: string): never {
  throw new ModelFormatError(`Invalid model: ${message}`);
}
