// The demo's Node-RED user directory: the Home Assistant token only in the encrypted credentials
// file, readable by Node-RED with the demo's secret; a person's flows kept across starts.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_HA_ID } from "../../demo/flows";
import { startNodeRed, type RunningNodeRed } from "../../demo/node-red";
import { prepareUserDir } from "../../demo/user-dir";
import { projectRoot } from "./support";

const TOKEN = "demo-token-7f3a9c1e5b2d4086";

describe("the demo's user directory", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function tempDir(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-demo-dir-"));
    cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it("writes the Home Assistant token into the credentials file only, encrypted", async () => {
    const dir = await tempDir();
    await prepareUserDir({ root: projectRoot, dir, port: 0 }, TOKEN);
    const flows = await fs.readFile(path.join(dir, "flows.json"), "utf8");
    const credentials = await fs.readFile(path.join(dir, "flows_cred.json"), "utf8");
    expect(flows).toContain(DEMO_HA_ID);
    expect(flows).not.toContain(TOKEN);
    expect(JSON.parse(credentials)).toEqual({ $: expect.any(String) });
    expect(credentials).not.toContain(TOKEN);
    expect((await fs.stat(path.join(dir, ".credential-secret"))).mode & 0o077).toBe(0);
  });

  it("gives Node-RED a credentials file it decrypts with the demo's secret", async () => {
    const dir = await tempDir();
    const settingsFile = await prepareUserDir({ root: projectRoot, dir, port: 0 }, TOKEN);
    const red: RunningNodeRed = await startNodeRed({
      dir,
      settingsFile,
      env: { PATTERN_QUALITY_HA_URL: "http://127.0.0.1:1" },
    });
    cleanups.push(() => red.stop());
    // The editor's credentials route reveals only whether a password is set, never its value.
    const response = await fetch(`${red.url}/credentials/pattern-quality-ha/${DEMO_HA_ID}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ has_token: true });
    await red.stop();
    expect(await fs.readFile(red.logFile, "utf8")).not.toContain(TOKEN);
  }, 90_000);

  it("keeps the flows a person edited, and renews the token, on the next start", async () => {
    const dir = await tempDir();
    await prepareUserDir({ root: projectRoot, dir, port: 0 }, TOKEN);
    const flowsFile = path.join(dir, "flows.json");
    const edited = [
      ...JSON.parse(await fs.readFile(flowsFile, "utf8")),
      { id: "mine", type: "comment", z: "pq-demo-tab", name: "my note" },
    ];
    await fs.writeFile(flowsFile, JSON.stringify(edited));
    const before = await fs.readFile(path.join(dir, "flows_cred.json"), "utf8");

    await prepareUserDir({ root: projectRoot, dir, port: 0 }, "another-token-2b8e61d0");
    expect(JSON.parse(await fs.readFile(flowsFile, "utf8"))).toEqual(edited);
    expect(await fs.readFile(path.join(dir, "flows_cred.json"), "utf8")).not.toBe(before);
  });
});
