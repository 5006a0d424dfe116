import { describeValue, InvalidInputError } from "../../errors";
import type { Label } from "../../feedback/feedback";
import { FeatureSchema } from "../../features/schema";
import { SeededRandom } from "./random";
import type { LabelledStream } from "./sea";

/** Options of the Agrawal stream. */
export interface AgrawalOptions {
  /** Number of samples (default 4,000; at least 100). */
  samples?: number;
  seed?: number;
  /** Share of labels flipped at random (default 0.05). */
  noise?: number;
  /** The classification function before and after the change (1–5, default 1 then 2). */
  functions?: [number, number];
  /** Where the function changes, as a share of the stream (default 0.5). */
  changeAt?: number;
}

interface Person {
  salary: number;
  commission: number;
  age: number;
  elevel: number;
  car: number;
  zipcode: number;
  hvalue: number;
  hyears: number;
  loan: number;
}

/**
 * Group A or not, as the first five functions of Agrawal, Imielinski & Swami, "Database mining: a
 * performance perspective" (IEEE Transactions on Knowledge and Data Engineering 5(6), 1993), define it.
 */
const FUNCTIONS: ReadonlyArray<(p: Person) => boolean> = [
  (p) => p.age < 40 || p.age >= 60,
  (p) =>
    (p.age < 40 && p.salary >= 50_000 && p.salary <= 100_000) ||
    (p.age >= 40 && p.age < 60 && p.salary >= 75_000 && p.salary <= 125_000) ||
    (p.age >= 60 && p.salary >= 25_000 && p.salary <= 75_000),
  (p) =>
    (p.age < 40 && p.elevel <= 1) ||
    (p.age >= 40 && p.age < 60 && p.elevel >= 1 && p.elevel <= 3) ||
    (p.age >= 60 && p.elevel >= 2),
  (p) =>
    (p.age < 40 &&
      (p.elevel <= 1 ? p.salary >= 25_000 && p.salary <= 75_000 : p.salary >= 50_000 && p.salary <= 100_000)) ||
    (p.age >= 40 &&
      p.age < 60 &&
      (p.elevel >= 1 && p.elevel <= 3
        ? p.salary >= 50_000 && p.salary <= 100_000
        : p.salary >= 75_000 && p.salary <= 125_000)) ||
    (p.age >= 60 &&
      (p.elevel >= 2 ? p.salary >= 50_000 && p.salary <= 100_000 : p.salary >= 25_000 && p.salary <= 75_000)),
  (p) =>
    (p.age < 40 &&
      (p.salary >= 50_000 && p.salary <= 100_000
        ? p.loan >= 100_000 && p.loan <= 300_000
        : p.loan >= 200_000 && p.loan <= 400_000)) ||
    (p.age >= 40 &&
      p.age < 60 &&
      (p.salary >= 75_000 && p.salary <= 125_000
        ? p.loan >= 200_000 && p.loan <= 400_000
        : p.loan >= 300_000 && p.loan <= 500_000)) ||
    (p.age >= 60 &&
      (p.salary >= 25_000 && p.salary <= 75_000
        ? p.loan >= 300_000 && p.loan <= 500_000
        : p.loan >= 100_000 && p.loan <= 300_000)),
];

const NAMES = ["salary", "commission", "age", "elevel", "car", "zipcode", "hvalue", "hyears", "loan"] as const;

/**
 * The Agrawal stream (Agrawal et al., 1993) with one abrupt change of concept, as MOA's
 * AgrawalGenerator in a ConceptDriftStream uses it: nine attributes of a loan applicant drawn as
 * the paper draws them (salary 20k–150k; commission 0 from a salary of 75k, else 10k–75k; age
 * 20–80; education level 0–4; car make 1–20; zip code 0–8; house value (9 − zip code) · 100k ·
 * U(0.5, 1.5); years owned 1–30; loan 0–500k), the label "group A" by one of the paper's
 * classification functions, switching to another at `changeAt`. `noise` of labels flipped.
 */
export function agrawalStream(options: AgrawalOptions = {}): LabelledStream {
  const samples = options.samples ?? 4000;
  const noise = options.noise ?? 0.05;
  const [before, after] = options.functions ?? [1, 2];
  if (!Number.isSafeInteger(samples) || samples < 100)
    throw new InvalidInputError("samples", `expected a whole number ≥ 100, got ${describeValue(samples)}`);
  if (typeof noise !== "number" || !(noise >= 0 && noise <= 0.5))
    throw new InvalidInputError("noise", `expected a share between 0 and 0.5, got ${describeValue(noise)}`);
  for (const f of [before, after]) {
    if (!Number.isInteger(f) || f < 1 || f > FUNCTIONS.length)
      throw new InvalidInputError("functions", `expected functions 1 to ${FUNCTIONS.length}, got ${describeValue(f)}`);
  }
  const random = new SeededRandom(options.seed ?? 1);
  const changeAt = Math.round(samples * (options.changeAt ?? 0.5));
  const stream: LabelledStream = {
    schema: new FeatureSchema([...NAMES]),
    X: [],
    y: [],
    concept: [],
    concepts: [`Agrawal function ${before}`, `Agrawal function ${after}`],
    changes: [{ at: changeAt, kind: "abrupt", width: 1 }],
  };
  for (let i = 0; i < samples; i++) {
    const salary = random.uniform(20_000, 150_000);
    const zipcode = random.int(9);
    const p: Person = {
      salary,
      commission: salary >= 75_000 ? 0 : random.uniform(10_000, 75_000),
      age: 20 + random.int(61),
      elevel: random.int(5),
      car: 1 + random.int(20),
      zipcode,
      hvalue: (9 - zipcode) * 100_000 * random.uniform(0.5, 1.5),
      hyears: 1 + random.int(30),
      loan: random.uniform(0, 500_000),
    };
    const c = i < changeAt ? 0 : 1;
    const fn = FUNCTIONS[(c === 0 ? before : after) - 1] as (p: Person) => boolean;
    let label: Label = fn(p) ? 1 : 0;
    if (random.chance(noise)) label = label === 1 ? 0 : 1;
    stream.X.push(Float64Array.from(NAMES.map((n) => p[n])));
    stream.y.push(label);
    stream.concept.push(c);
  }
  return stream;
}
