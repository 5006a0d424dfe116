/** `pattern-quality bench`: runs the benchmark of a clone of the repository. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { PatternQualityError } from "../errors";
import type { CliOutput } from "./context";

/** The bench command's line of the usage text. */
export const BENCH_USAGE = "  bench [--quick] [--section NAME]                     run the benchmark (npm run bench)";

/** The package root: the nearest folder above this file with our package.json. */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "node-red-contrib-pattern-quality")
      return dir;
    if (path.dirname(dir) === dir) throw new PatternQualityError("package-missing", "cannot find the package root");
  }
}

/** Runs the benchmark with `args` in a child process, its output passed through; resolves with the exit code. */
export async function runBench(args: string[], out: CliOutput): Promise<number> {
  const script = path.join(packageRoot(), "dist", "bench", "run.js");
  if (!existsSync(script))
    throw new PatternQualityError(
      "bench-missing",
      "the benchmark is not part of the installed package: it runs from a clone of the repository " +
        `(npm ci && npm run bench); not found: ${script}`,
    );
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (chunk: Buffer) => out.stdout(chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => out.stderr(chunk.toString()));
  return new Promise<number>((resolve) => {
    child.on("error", (error) => {
      out.stderr(`pattern-quality: cannot start the benchmark: ${error.message}\n`);
      resolve(1);
    });
    child.on("close", (code) => resolve(code === 0 ? 0 : 1));
  });
}
