// The package as a release publishes it: a clean copy of what is committed (`git archive HEAD`,
// as a fresh clone has it, without dist/), packed with `npm pack` (which builds it on prepack).
import { execFileSync } from "node:child_process";
import { promises as fs, symlinkSync } from "node:fs";
import * as path from "node:path";
import { packageRoot } from "./node-red";

export const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** A packed tarball and what `npm pack --json` said of it. */
export interface PackedPackage {
  tarball: string;
  files: string[];
  /** The tarball's size in bytes. */
  size: number;
}

/**
 * A clean copy of HEAD in `dir`, with this checkout's node_modules linked in: packing builds with
 * its tools (prepack), and nothing outside the copy is written.
 */
export async function cleanCopyOfHead(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  execFileSync("sh", ["-c", `git archive HEAD | tar -x -C "${dir}"`], { cwd: packageRoot });
  symlinkSync(path.join(packageRoot, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

/** Packs the package in `source` into `destination`. */
export function pack(source: string, destination: string): PackedPackage {
  const [packed] = JSON.parse(
    execFileSync(npm, ["pack", "--json", "--pack-destination", destination], { cwd: source, encoding: "utf8" }),
  ) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
  return {
    tarball: path.join(destination, packed!.filename),
    files: packed!.files.map((f) => f.path),
    size: packed!.size,
  };
}

/** A package.json for an empty project (a user directory, an app folder). */
export async function emptyProject(dir: string, name: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, "package.json"), `${JSON.stringify({ name, version: "1.0.0", private: true })}\n`);
  return dir;
}

/**
 * `npm install` of `specs` into the project in `dir`, from npm's cache when it holds them (after
 * `npm ci` it holds every locked dependency): fast, and offline-safe in CI.
 */
export function npmInstall(dir: string, specs: string[]): void {
  execFileSync(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs], { cwd: dir, stdio: "pipe" });
}

/** The exact version this checkout's package.json asks for a (dev) dependency. */
export async function lockedVersion(name: string): Promise<string> {
  const manifest = JSON.parse(await fs.readFile(path.join(packageRoot, "package.json"), "utf8"));
  const version = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (typeof version !== "string") throw new Error(`package.json does not depend on ${name}`);
  return version;
}
