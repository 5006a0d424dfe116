import { describeValue, InvalidInputError } from "../../errors";
import type { Label } from "../../feedback/feedback";
import { FeatureSchema } from "../../features/schema";
import { SeededRandom } from "./random";

/** A labelled synthetic stream with known concept changes, for evaluation. */
export interface LabelledStream {
  schema: FeatureSchema;
  X: Float64Array[];
  y: Label[];
  /** The concept in effect for each sample (index into `concepts`). */
  concept: number[];
  /** Human-readable concepts, e.g. "x0 + x1 ≤ 9". */
  concepts: string[];
  /** Where the concept changes: `abrupt` at one sample, `gradual` over `width` samples. */
  changes: Array<{ at: number; kind: "abrupt" | "gradual"; width: number }>;
}

/** Options of the SEA-style stream. */
export interface SeaOptions {
  /** Number of samples (default 6,000; at least 100). */
  samples?: number;
  seed?: number;
  /** Share of labels flipped at random (default 0.1). */
  noise?: number;
  /** Number of features, all uniform in [0, 10) (default 20; at least 4). */
  features?: number;
}

interface SeaConcept {
  a: number;
  b: number;
  threshold: number;
}

/**
 * The concepts, in order. Only two features matter at a time; the others are noise, as in SEA.
 * The abrupt change swaps in two other features (about half the labels change), the gradual one
 * moves to a third pair over a fifth of the stream.
 */
const CONCEPTS: readonly SeaConcept[] = [
  { a: 0, b: 1, threshold: 9 },
  { a: 2, b: 3, threshold: 10 },
  { a: 1, b: 3, threshold: 11 },
];

/**
 * A SEA-style stream (Street & Kim, 2001), widened: `features` uniform features in [0, 10), of
 * which two decide the label (approve when x_a + x_b ≤ θ), `noise` of labels flipped.
 * Concept 0 holds for the first 30 % of samples; an abrupt change to concept 1 at 30 %; from 60 %
 * to 80 % a gradual change to concept 2 (each sample comes from concept 2 with a probability
 * rising linearly from 0 to 1); concept 2 to the end. The same seed gives the same stream.
 */
export function seaStream(options: SeaOptions = {}): LabelledStream {
  const samples = options.samples ?? 6000;
  const noise = options.noise ?? 0.1;
  const width = options.features ?? 20;
  if (!Number.isSafeInteger(samples) || samples < 100)
    throw new InvalidInputError("samples", `expected a whole number ≥ 100, got ${describeValue(samples)}`);
  if (typeof noise !== "number" || !(noise >= 0 && noise <= 0.5))
    throw new InvalidInputError("noise", `expected a share between 0 and 0.5, got ${describeValue(noise)}`);
  if (!Number.isSafeInteger(width) || width < 4)
    throw new InvalidInputError("features", `expected a whole number ≥ 4, got ${describeValue(width)}`);
  const random = new SeededRandom(options.seed ?? 1);
  const abruptAt = Math.round(samples * 0.3);
  const gradualFrom = Math.round(samples * 0.6);
  const gradualTo = Math.round(samples * 0.8);

  const stream: LabelledStream = {
    schema: new FeatureSchema(Array.from({ length: width }, (_, i) => `x${i}`)),
    X: [],
    y: [],
    concept: [],
    concepts: CONCEPTS.map((c) => `x${c.a} + x${c.b} ≤ ${c.threshold}`),
    changes: [
      { at: abruptAt, kind: "abrupt", width: 1 },
      { at: gradualFrom, kind: "gradual", width: gradualTo - gradualFrom },
    ],
  };
  for (let i = 0; i < samples; i++) {
    const x = new Float64Array(width);
    for (let j = 0; j < width; j++) x[j] = random.uniform(0, 10);
    let c = i < abruptAt ? 0 : 1;
    if (i >= gradualTo) c = 2;
    else if (i >= gradualFrom && random.chance((i - gradualFrom) / (gradualTo - gradualFrom))) c = 2;
    const concept = CONCEPTS[c] as SeaConcept;
    let label: Label = (x[concept.a] as number) + (x[concept.b] as number) <= concept.threshold ? 1 : 0;
    if (random.chance(noise)) label = label === 1 ? 0 : 1;
    stream.X.push(x);
    stream.y.push(label);
    stream.concept.push(c);
  }
  return stream;
}
