/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// The first hour of a Node-RED user: the package packed from a clean copy of HEAD, installed
// with Dashboard 2 into a fresh Node-RED user directory, red.js started on it, then every example
// imported in the editor (Chromium) as the Import dialog does and deployed — with no validation
// warning and no error in the log. Home Assistant is the project's simulator behind a simulated
// Supervisor: red.js gets a SUPERVISOR_TOKEN, as inside the community Node-RED app, so the
// example's connection (URL and token left empty) runs in app mode.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { type RunningNodeRed, startNodeRed } from "../support/node-red";
import { cleanCopyOfHead, emptyProject, lockedVersion, npmInstall, type PackedPackage, pack } from "../support/pack";
import { SimulatedSupervisor, supervisorNetworkHook } from "../support/supervisor";
import { artifactsDir, browserSkipReason, eventually, launchChromium } from "./support";

const PACKAGE = "node-red-contrib-pattern-quality";
const DASHBOARD = "@flowfuse/node-red-dashboard";
const skipReason = browserSkipReason();

interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

type EditorNode = {
  id: string;
  type: string;
  name?: string;
  valid?: boolean;
  validationErrors?: string[];
  users?: unknown[];
  _def?: { hasUsers?: boolean };
};
type EditorWindow = {
  RED: {
    view: { importNodes(nodes: unknown[], options: Record<string, unknown>): void };
    nodes: { eachNode(cb: (n: EditorNode) => void): void; eachConfig(cb: (n: EditorNode) => void): void };
    events: { on(event: string, cb: () => void): void };
  };
  deploys?: number;
};

/**
 * Imports a flow as the Import dialog does. Returns what the deploy button would warn about among
 * the imported nodes: those not properly configured, and configuration nodes nothing uses.
 */
function importInEditor(page: Page, flow: Array<{ id: string }>): Promise<string[]> {
  return page.evaluate((nodes) => {
    const { RED } = window as unknown as EditorWindow;
    RED.view.importNodes(nodes, { generateIds: false, addFlow: false });
    const ids = new Set(nodes.map((n) => n.id));
    const warnings: string[] = [];
    const label = (n: EditorNode) => `${n.type} "${n.name || n.id}"`;
    RED.nodes.eachNode((n) => {
      if (ids.has(n.id) && n.valid === false)
        warnings.push(`${label(n)}: ${n.validationErrors?.join(", ") ?? "invalid"}`);
    });
    RED.nodes.eachConfig((n) => {
      if (!ids.has(n.id)) return;
      if (n.valid === false) warnings.push(`${label(n)}: ${n.validationErrors?.join(", ") ?? "invalid"}`);
      if (n._def?.hasUsers !== false && n.users?.length === 0) warnings.push(`${label(n)}: unused configuration node`);
    });
    return warnings;
  }, flow);
}

/**
 * Clicks Deploy. Resolves once the editor reports the deploy done; rejects with the text of the
 * warning it shows instead (nodes not properly configured, unknown types).
 */
async function deploy(page: Page, name: string): Promise<void> {
  const before = await page.evaluate(() => {
    const w = window as unknown as EditorWindow;
    if (w.deploys === undefined) {
      w.deploys = 0;
      w.RED.events.on("deploy", () => {
        w.deploys = (w.deploys ?? 0) + 1;
      });
    }
    return w.deploys;
  });
  await page.locator("#red-ui-header-button-deploy").click();
  const warning = page
    .locator(".red-ui-notification", { hasText: /not properly configured|unknown node types/ })
    .first();
  await Promise.race([
    warning.waitFor({ timeout: 30_000 }),
    page.waitForFunction((n) => ((window as unknown as EditorWindow).deploys ?? 0) > n, before, { timeout: 30_000 }),
  ]);
  if (await warning.isVisible()) {
    const text = await warning.textContent();
    await page.screenshot({ path: path.join(await artifactsDir(), `pack-deploy-${name}.png`) });
    await warning.getByRole("button", { name: "Cancel" }).click();
    throw new Error(`Deploy warned: ${text}`);
  }
}

/** The [error] (and [warn]) lines Node-RED logged in `text`. */
const logLines = (text: string, level: "error" | "warn") =>
  text.split("\n").filter((line) => line.includes(`[${level}]`));

describe.skipIf(skipReason !== null)(
  `the packed package in a fresh Node-RED user directory${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let work: string;
    let packed: PackedPackage;
    let installed: string;
    let home: HomeAssistantSimulator;
    let supervisor: SimulatedSupervisor;
    let red: RunningNodeRed;
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const imported = new Map<string, Array<{ id: string; type: string }>>();
    const appToken = randomBytes(24).toString("hex");

    beforeAll(async () => {
      work = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-pack-deploy-"));
      packed = pack(await cleanCopyOfHead(path.join(work, "source")), work);
      const userDir = await emptyProject(path.join(work, "node-red"), "node-red-project");
      // As a user does in ~/.node-red; Dashboard 2 from npm's cache (the version package.json locks).
      npmInstall(userDir, [packed.tarball, `${DASHBOARD}@${await lockedVersion(DASHBOARD)}`]);
      installed = path.join(userDir, "node_modules", PACKAGE);

      home = await HomeAssistantSimulator.start();
      supervisor = await SimulatedSupervisor.start({ home, appToken });
      red = await startNodeRed({
        userDir,
        flows: [],
        // Only what the user directory holds: not this checkout.
        nodesDir: [],
        // No palette installs, so the editor does not fetch the online catalogue (CI has no internet).
        settings: { externalModules: { palette: { allowInstall: false } } },
        env: {
          SUPERVISOR_TOKEN: appToken,
          PATTERN_QUALITY_TEST_SUPERVISOR: supervisor.address,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${supervisorNetworkHook}`.trim(),
        },
      });

      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(red.url);
      await page.locator(".red-ui-palette-node").first().waitFor({ timeout: 60_000 });
      // Node-RED 4.1 asks once whether to check for updates; a new user answers it.
      const notifications = page.getByRole("button", { name: "No, do not enable notifications" });
      if (await notifications.isVisible().catch(() => false)) await notifications.click();
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await red?.stop();
      await supervisor?.stop();
      await home?.stop();
      if (work) await fs.rm(work, { recursive: true, force: true });
    }, 60_000);

    it("loads every node type of the installed package and of Dashboard 2, with no error", async () => {
      const sets = (await (
        await fetch(`${red.url}/nodes`, { headers: { accept: "application/json" } })
      ).json()) as NodeSet[];
      const manifest = JSON.parse(await fs.readFile(path.join(installed, "package.json"), "utf8"));
      const ours = sets.filter((set) => set.module === PACKAGE);
      expect(ours.map((set) => set.id.split("/")[1]).sort()).toEqual(Object.keys(manifest["node-red"].nodes).sort());
      for (const set of ours)
        expect({ set: set.id, enabled: set.enabled, err: set.err }).toEqual({ set: set.id, enabled: true });
      expect(sets.filter((set) => set.module === DASHBOARD && set.enabled && !set.err).length).toBeGreaterThan(10);
      expect(red.output()).not.toMatch(/missing types|Waiting for missing/i);
      expect(logLines(red.output(), "error")).toEqual([]);
    });

    it("offers the package's five examples in the editor's Import > Examples", async () => {
      const files = (await fs.readdir(path.join(installed, "examples"))).filter((f) => f.endsWith(".json"));
      expect(files).toHaveLength(5);
    });

    /** An empty workspace, deployed, and the editor reloaded on it: each example is judged alone. */
    async function emptyEditor(): Promise<void> {
      const response = await fetch(`${red.url}/flows`, {
        method: "POST",
        headers: { "content-type": "application/json", "Node-RED-Deployment-Type": "full" },
        body: "[]",
      });
      expect(response.status).toBe(204);
      await page.reload();
      await page.locator(".red-ui-palette-node").first().waitFor({ timeout: 60_000 });
    }

    // phone-answers last: the test after the loop looks at its connection, still deployed.
    for (const example of ["learn-and-score", "full-loop", "dashboard", "suggestion-loop", "phone-answers"]) {
      it(`imports and deploys the ${example} example with no validation warning and no error in the log`, async () => {
        await emptyEditor();
        // From the library route the Import > Examples menu reads, i.e. from the installed package.
        const flow = (await page.evaluate(
          async (url) => (await fetch(url)).json(),
          `library/examples/flows/${PACKAGE}/${example}`,
        )) as Array<{ id: string; type: string }>;
        expect(Array.isArray(flow) && flow.length).toBeTruthy();
        imported.set(example, flow);
        expect(await importInEditor(page, flow), "what the deploy button would warn about").toEqual([]);
        const logStart = red.output().length;
        await deploy(page, example);
        await eventually(
          async () => (red.output().slice(logStart).includes("Started flows") ? true : undefined),
          `the flows with ${example} started`,
          30_000,
        );
        // Give the nodes a moment to open stores and connect, which is when they would log errors.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(logLines(red.output().slice(logStart), "error")).toEqual([]);
      }, 90_000);
    }

    it("phone-answers: with URL and token empty, the connection reaches Home Assistant through the Supervisor", async () => {
      await eventually(
        async () => (home.subscriptionCount("mobile_app_notification_action") >= 1 ? true : undefined),
        "the subscription to answers of actionable notifications",
        30_000,
      );
      expect(supervisor.appLogins).toBeGreaterThanOrEqual(1);
      const model = imported.get("phone-answers")!.find((node) => node.type === "pattern-model")!.id;
      const metrics = async () => (await (await fetch(`${red.url}/pattern-quality/${model}/metrics`)).json()) as any;
      const before = await metrics();
      home.fireEvent(
        "mobile_app_notification_action",
        { action: "PATTERN_APPROVE_hallway-sunset" },
        { origin: "REMOTE" },
      );
      await eventually(
        async () => {
          const now = await metrics();
          return now.feedbackCount + now.parkedCount > before.feedbackCount + before.parkedCount ? now : undefined;
        },
        "the tapped answer in the example's model",
        30_000,
      );
      expect(red.output()).not.toContain(appToken);
    });

    it("logged no error and threw nothing in the editor", () => {
      expect(logLines(red.output(), "error")).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it("would have caught a node that is not properly configured, on import and on deploy", async () => {
      // A collector with no model: the editor's own validation must flag it, or the checks above prove nothing.
      const broken = [
        { id: "pq-check-tab", type: "tab", label: "not configured" },
        { id: "pq-check-broken", type: "feedback-collector", z: "pq-check-tab", x: 100, y: 100, wires: [[]] },
      ];
      expect(await importInEditor(page, broken)).toEqual([expect.stringContaining("feedback-collector")]);
      await expect(deploy(page, "broken")).rejects.toThrow(/not properly configured/);
    });
  },
);
