/**
 * The baselines of the learning benchmark, run in the same process tree as our learner:
 * scikit-learn and XGBoost through Debian's Python, ml-random-forest in a child process with a
 * time cap, and the majority class.
 */
import { spawn, fork } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Label } from "../src/feedback/feedback";
import type { MlForestAnswer, MlForestRequest } from "./ml-forest-child";

/** Debian's python3 with python3-sklearn and python3-xgboost (a pyenv `python3` on PATH may lack them). */
export const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

export type Outcome<T> = { ok: T } | { skipped: string } | { dnf: string };

/** A reference learner in Debian's Python: its script in bench/ and the name its failures are reported under. */
export interface PythonBaseline {
  script: string;
  name: string;
  /** Added to the environment of its Python process. */
  env?: Record<string, string>;
}

export const SKLEARN: PythonBaseline = { script: "sklearn_forest.py", name: "scikit-learn" };
/** Speaks sklearn_forest.py's protocol (it imports it), so both references are scored alike. */
export const XGBOOST: PythonBaseline = {
  script: "xgboost_boosting.py",
  name: "XGBoost",
  // XGBoost's OpenMP threads spin at each of its many barriers by default: with both cores busy
  // elsewhere its 10,000-row fit took 2.6–15 s instead of 0.7–1 s (PASSIVE), so the figure measured
  // the neighbours rather than the learner. With one core free the two were within the noise (0.4–0.7 s).
  env: { OMP_WAIT_POLICY: "PASSIVE" },
};

/** Sends one JSON request to a baseline's script and returns its answer (or why not). */
export function runPython<T>(
  baseline: PythonBaseline,
  request: Record<string, unknown>,
  capMs = 600_000,
): Promise<Outcome<T>> {
  const script = path.join(sourceBenchDir(), baseline.script);
  return new Promise((resolve) => {
    // -B: xgboost_boosting.py imports sklearn_forest.py, which must not leave a __pycache__ in the source tree.
    const child = spawn(PYTHON, ["-B", script], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...baseline.env },
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ dnf: `did not finish in ${Math.round(capMs / 1000)} s` });
    }, capMs);
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ skipped: `python could not be started (${error.message})` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        const answer = JSON.parse(out) as Record<string, unknown>;
        if (typeof answer.skipped === "string") resolve({ skipped: answer.skipped });
        else if (typeof answer.error === "string") resolve({ skipped: `${baseline.name} failed: ${answer.error}` });
        else resolve({ ok: answer as T });
      } catch {
        resolve({ skipped: `${baseline.script} exited with ${code}: ${err.trim().split("\n").pop() ?? ""}` });
      }
    });
    child.stdin.on("error", () => undefined); // the child may exit before reading everything
    child.stdin.end(JSON.stringify(request));
  });
}

/**
 * Runs several requests in one Python process (its start-up and import take seconds on a busy
 * machine), keyed by name; each answer or the reason it is missing.
 */
export async function runPythonAll(
  baseline: PythonBaseline,
  requests: Record<string, Record<string, unknown>>,
): Promise<Record<string, Outcome<unknown>>> {
  const names = Object.keys(requests);
  const batch = await runPython<{ answers: Array<Record<string, unknown>> }>(baseline, {
    task: "batch",
    requests: names.map((n) => requests[n]),
  });
  const out: Record<string, Outcome<unknown>> = {};
  names.forEach((name, i) => {
    if (!("ok" in batch)) {
      out[name] = batch;
      return;
    }
    const answer = batch.ok.answers[i];
    out[name] =
      answer && typeof answer.error !== "string"
        ? { ok: answer }
        : { skipped: `${baseline.name} failed: ${String(answer?.error)}` };
  });
  return out;
}

/** Runs ml-random-forest in a child process; kills it at the cap ("did not finish in N s"). */
export function runMlForest(request: MlForestRequest, capMs: number): Promise<Outcome<MlForestAnswer>> {
  return new Promise((resolve) => {
    const child = fork(path.join(__dirname, "ml-forest-child.js"), [], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let settled = false;
    const settle = (outcome: Outcome<MlForestAnswer>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ dnf: `did not finish in ${Math.round(capMs / 1000)} s` }), capMs);
    child.on("message", (answer: MlForestAnswer) => {
      settle("error" in answer ? { skipped: `ml-random-forest failed: ${answer.error}` } : { ok: answer });
    });
    child.on("error", (error) => settle({ skipped: `ml-random-forest could not run: ${error.message}` }));
    child.on("exit", (code) => settle({ skipped: `ml-random-forest exited with ${code} before answering` }));
    child.send(request);
  });
}

/** P(approve) before each label: the share of approvals seen so far (0.5 before any). */
export function majorityProba(y: readonly Label[]): number[] {
  let approvals = 0;
  return y.map((label, i) => {
    const p = i === 0 ? 0.5 : approvals / i;
    approvals += label;
    return p;
  });
}

/** The bench/ folder of the source tree (scripts and fixtures are not copied to dist/). */
export function sourceBenchDir(): string {
  return __dirname.includes(`${path.sep}dist${path.sep}`) ? path.resolve(__dirname, "../../bench") : __dirname;
}

/** The WDBC data set from the test fixtures: 569 rows × 30 features, label 1 = benign. */
export function loadWdbc(): { names: string[]; X: Float64Array[]; y: Label[] } {
  const file = path.resolve(sourceBenchDir(), "../test/fixtures/wdbc.csv");
  const [header, ...lines] = readFileSync(file, "utf8").trim().split(/\r?\n/);
  const columns = (header as string).split(",");
  const labelAt = columns.indexOf("label");
  const names = columns.filter((_, i) => i !== labelAt);
  const X: Float64Array[] = [];
  const y: Label[] = [];
  for (const line of lines) {
    const cells = line.split(",").map(Number);
    y.push(cells[labelAt] === 1 ? 1 : 0);
    X.push(Float64Array.from(cells.filter((_, i) => i !== labelAt)));
  }
  return { names, X, y };
}
