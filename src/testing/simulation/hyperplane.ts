import { describeValue, InvalidInputError } from "../../errors";
import type { Label } from "../../feedback/feedback";
import { FeatureSchema } from "../../features/schema";
import { SeededRandom } from "./random";
import type { LabelledStream } from "./sea";

/** Options of the rotating hyperplane stream. */
export interface HyperplaneOptions {
  /** Number of samples (default 4,000; at least 100). */
  samples?: number;
  seed?: number;
  /** Number of features (default 10), of which the first `drifting` change their weight. */
  features?: number;
  drifting?: number;
  /** How far a drifting weight moves per sample (default 0.001, MOA's magChange). */
  magnitude?: number;
  /** Chance per sample that a drifting weight reverses direction (default 0.1, MOA's sigmaPercentage). */
  reversal?: number;
  /** Share of labels flipped at random (default 0.05). */
  noise?: number;
}

/**
 * The rotating hyperplane of Hulten, Spencer & Domingos, "Mining time-changing data streams"
 * (KDD 2001): features uniform in [0, 1), the label 1 when Σ wᵢxᵢ ≥ w₀ with w₀ = ½ Σ wᵢ (so about
 * half the samples are positive); the weights of the first `drifting` features move by
 * `magnitude` per sample, each reversing its direction with probability `reversal`. A slow,
 * continuous drift (no single change point), as MOA's HyperplaneGenerator makes it.
 */
export function hyperplaneStream(options: HyperplaneOptions = {}): LabelledStream {
  const samples = options.samples ?? 4000;
  const d = options.features ?? 10;
  const drifting = options.drifting ?? 2;
  const magnitude = options.magnitude ?? 0.001;
  const reversal = options.reversal ?? 0.1;
  const noise = options.noise ?? 0.05;
  if (!Number.isSafeInteger(samples) || samples < 100)
    throw new InvalidInputError("samples", `expected a whole number ≥ 100, got ${describeValue(samples)}`);
  if (!Number.isSafeInteger(d) || d < 2 || !Number.isSafeInteger(drifting) || drifting < 0 || drifting > d)
    throw new InvalidInputError("features", `expected 2 or more features, of which 0…all drift`);
  if (typeof noise !== "number" || !(noise >= 0 && noise <= 0.5))
    throw new InvalidInputError("noise", `expected a share between 0 and 0.5, got ${describeValue(noise)}`);
  const random = new SeededRandom(options.seed ?? 1);
  const weights = Array.from({ length: d }, () => random.next());
  const direction: number[] = Array.from({ length: d }, () => (random.chance(0.5) ? 1 : -1));
  const stream: LabelledStream = {
    schema: new FeatureSchema(Array.from({ length: d }, (_, i) => `x${i}`)),
    X: [],
    y: [],
    concept: [],
    concepts: ["a hyperplane rotating slowly"],
    changes: [],
  };
  for (let i = 0; i < samples; i++) {
    const x = new Float64Array(d);
    let sum = 0;
    let total = 0;
    for (let j = 0; j < d; j++) {
      x[j] = random.next();
      sum += (weights[j] as number) * (x[j] as number);
      total += weights[j] as number;
    }
    let label: Label = sum >= total / 2 ? 1 : 0;
    if (random.chance(noise)) label = label === 1 ? 0 : 1;
    stream.X.push(x);
    stream.y.push(label);
    stream.concept.push(0);
    for (let j = 0; j < drifting; j++) {
      weights[j] = (weights[j] as number) + (direction[j] as number) * magnitude;
      if (random.chance(reversal)) direction[j] = -(direction[j] as number);
    }
  }
  return stream;
}
