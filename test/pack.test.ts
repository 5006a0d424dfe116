// The package as a user gets it: packed from `git archive HEAD` (what a release from a fresh
// clone publishes), then installed into an empty project.
import { execFileSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanCopyOfHead, emptyProject, npmInstall, pack } from "./support/pack";

let work: string;
let tarball: string;
let files: string[];

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "pq-pack-"));
  // What is committed, as a fresh clone has it (dist/ is not committed: packing must build it).
  ({ tarball, files } = pack(await cleanCopyOfHead(path.join(work, "source")), work));
}, 180_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("is built on pack and carries every node, its editor files and locales", () => {
    const manifest = JSON.parse(execFileSync("tar", ["-xOzf", tarball, "package/package.json"], { encoding: "utf8" }));
    for (const [type, file] of Object.entries(manifest["node-red"].nodes as Record<string, string>)) {
      expect(files, type).toContain(file);
      expect(files, `${type} editor`).toContain(file.replace(/\.js$/, ".html"));
      const locale = path.join(path.dirname(file), "locales", "en-US", `${path.basename(file, ".js")}.json`);
      expect(files, `${type} locale`).toContain(locale);
    }
    expect(files).toContain(manifest.main);
    expect(files).toContain("dist/src/testing/index.js");
    for (const name of ["README.md", "LICENSE", "CHANGELOG.md", "examples/dashboard.json"])
      expect(files).toContain(name);
  });

  it("ships no source maps, benchmark, demo, tests, TypeScript sources, scripts or the app folder", () => {
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(
      files.filter(
        (f) =>
          /^(dist\/)?(bench|demo|test|src|nodes|scripts|addon)\//.test(f) &&
          !f.startsWith("dist/src/") &&
          !f.startsWith("dist/nodes/"),
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files).not.toContain("repository.yaml");
  });

  it("installs into an empty project, where the CLI lists a store and says where the benchmark runs", async () => {
    const project = await emptyProject(path.join(work, "project"), "pq-user");
    npmInstall(project, [tarball]);
    const cli = path.join(project, "node_modules", ".bin", "pattern-quality");
    // The core from the installed package, as a plain Node script uses it: open a store, close it.
    const store = path.join(work, "store");
    const script = `require("node-red-contrib-pattern-quality").PatternModel.open({ storeDir: ${JSON.stringify(store)} })
      .then((model) => model.close()).catch((error) => { console.error(error); process.exit(1); });`;
    execFileSync(process.execPath, ["-e", script], { cwd: project, stdio: "pipe" });
    const listed = execFileSync(cli, ["versions", "list", "--store", store], { encoding: "utf8" });
    expect(listed.trim()).toBe("no versions");
    let bench: { status: number | null; stderr: string } = { status: 0, stderr: "" };
    try {
      execFileSync(cli, ["bench", "--quick"], { cwd: project, encoding: "utf8", stdio: "pipe" });
    } catch (error) {
      bench = error as { status: number | null; stderr: string };
    }
    expect(bench.status).toBe(1);
    expect(bench.stderr).toMatch(/clone of the repository/);
    // Nothing was written into the installed package.
    const installed = path.join(project, "node_modules", "node-red-contrib-pattern-quality");
    expect(existsSync(path.join(installed, "bench"))).toBe(false);
    expect(existsSync(path.join(installed, ".demo"))).toBe(false);
  }, 180_000);
});
