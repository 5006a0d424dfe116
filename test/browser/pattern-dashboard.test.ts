/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// The pattern-dashboard widget in a real browser, on a fresh Node-RED with Dashboard 2, reached
// the way a household reaches it in Home Assistant: through the ingress proxy (a path prefix the
// page must keep, the user in X-Remote-User-* headers). The package is installed into the user
// directory as the palette installs it (not through nodesDir), with a model that already has three
// versions. A person rolls back (confirming), resumes, meets a version pruned meanwhile, retrains,
// and everything stays reachable on a 390 px phone, where a hold later ends as the household's
// taste changes and an automatic update proves better than the held version.
import { promises as fs, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsFromDefinition } from "../../nodes/pattern-model/settings";
import { PatternModel } from "../../src/model/pattern-model";
import { eventually } from "../support/eventually";
import { IngressProxy } from "../support/ingress-proxy";
import { packageRoot, type RunningNodeRed, startNodeRed } from "../support/node-red";
import { artifactsDir, browserSkipReason, getJson, launchChromium } from "./support";

const require = createRequire(import.meta.url);
const skipReason = browserSkipReason();
const PACKAGE = "node-red-contrib-pattern-quality";
const USER = { id: "5e1d0f6a2b", username: "anna", name: "Anna" };

interface Activation {
  from: string | null;
  to: string;
  reason: string;
  by: string;
}

/** The flows: the model, a page with the widget (its presses recorded), a widget without a model and one without a group. */
function flows(storeDir: string) {
  const tab = "t1";
  const model = {
    id: "m1",
    type: "pattern-model",
    name: "household model",
    storeDir,
    schemaKind: "names",
    featureNames: "hour, devices, confidence",
    trees: 10,
    maxDepth: 6,
    incrementalTrees: 3,
    seed: 1,
    // Automatic updates every 50 answers (none come before the last test, the first to give answers):
    // after the household's change of taste they learn it, and one proves better than a held version.
    updateThreshold: 50,
    minSamples: 10,
    autoUpdate: true,
    // Every update is over this budget: Retrain now raises a slow-update alert.
    updateBudgetMs: 0,
  };
  const http = (id: string, method: string, url: string, next: string) => ({
    id,
    type: "http in",
    z: tab,
    name: "",
    url,
    method,
    upload: false,
    swaggerDoc: "",
    wires: [[next]],
  });
  const response = (id: string) => ({
    id,
    type: "http response",
    z: tab,
    name: "",
    statusCode: "",
    headers: {},
    wires: [],
  });
  return {
    model,
    nodes: [
      { id: tab, type: "tab", label: "dashboard test" },
      model,
      {
        id: "base1",
        type: "ui-base",
        name: "Home",
        path: "/dashboard",
        includeClientData: true,
        showPathInSidebar: false,
        navigationStyle: "none",
        titleBarStyle: "default",
        allowInstall: false,
        acceptsClientConfig: ["ui-notification", "ui-control"],
      },
      {
        id: "theme1",
        type: "ui-theme",
        name: "Theme",
        colors: {
          surface: "#1f6f5c",
          primary: "#1f6f5c",
          bgPage: "#f4f6f5",
          groupBg: "#ffffff",
          groupOutline: "#d4dcd9",
        },
        sizes: {
          density: "default",
          pagePadding: "12px",
          groupGap: "12px",
          groupBorderRadius: "6px",
          widgetGap: "12px",
        },
      },
      {
        id: "page1",
        type: "ui-page",
        name: "Pattern model",
        ui: "base1",
        path: "/model",
        layout: "grid",
        theme: "theme1",
        order: 1,
        visible: "true",
        disabled: "false",
        breakpoints: [
          { name: "Default", px: 0, cols: 3 },
          { name: "Tablet", px: 576, cols: 6 },
          { name: "Small Desktop", px: 768, cols: 9 },
          { name: "Desktop", px: 1024, cols: 12 },
        ],
      },
      {
        id: "g1",
        type: "ui-group",
        name: "Model",
        page: "page1",
        width: "12",
        height: "1",
        order: 1,
        showTitle: false,
        visible: "true",
        disabled: "false",
        groupType: "default",
      },
      {
        id: "g2",
        type: "ui-group",
        name: "No model",
        page: "page1",
        width: "12",
        height: "1",
        order: 2,
        showTitle: true,
        visible: "true",
        disabled: "false",
        groupType: "default",
      },
      {
        id: "w1",
        type: "pattern-dashboard",
        z: tab,
        group: "g1",
        model: "m1",
        order: 1,
        width: 0,
        height: 0,
        wires: [["rec"]],
      },
      {
        id: "w2",
        type: "pattern-dashboard",
        z: tab,
        group: "g2",
        model: "",
        order: 1,
        width: 0,
        height: 0,
        wires: [[]],
      },
      {
        id: "w3",
        type: "pattern-dashboard",
        z: tab,
        group: "",
        model: "m1",
        order: 1,
        width: 0,
        height: 0,
        wires: [[]],
      },
      {
        id: "rec",
        type: "function",
        z: tab,
        name: "remember presses",
        outputs: 0,
        wires: [],
        func: 'flow.set("presses", [...(flow.get("presses") || []), { topic: msg.topic, payload: msg.payload }]);\nreturn null;',
      },
      http("presses-in", "get", "/test/presses", "presses-out"),
      {
        id: "presses-out",
        type: "function",
        z: tab,
        name: "",
        outputs: 1,
        wires: [["presses-res"]],
        func: 'msg.payload = flow.get("presses") || [];\nreturn msg;',
      },
      response("presses-res"),
      // Deletes a version behind the page's back, as pruning does.
      // (Ids that are no setting's value: Node-RED reads a setting equal to a node's id as a reference.)
      http("delete-in", "post", "/test/delete", "delete-version"),
      {
        id: "delete-version",
        type: "model-version",
        z: tab,
        name: "",
        model: "m1",
        command: "delete",
        reason: "",
        wires: [["delete-res"]],
      },
      response("delete-res"),
      // Answers from the household, as a phone or a flow gives them.
      http("answer-in", "post", "/test/feedback", "answer-collect"),
      { id: "answer-collect", type: "feedback-collector", z: tab, model: "m1", wires: [["answer-res"]] },
      response("answer-res"),
    ],
  };
}

/** Feedback a model can learn: evening patterns with few devices are approved (or, changed, the others). */
function feedback(n: number, prefix: string, changed = false) {
  return Array.from({ length: n }, (_, i) => {
    const hour = (i * 7) % 24;
    const devices = 1 + ((i * 5) % 6);
    return {
      id: `${prefix}-${i}`,
      patternId: `${prefix}-p${i}`,
      label: (hour >= 17 && devices <= 3) !== changed ? "approve" : "reject",
      features: { hour, devices, confidence: ((i * 37) % 100) / 100 },
    };
  });
}

/** Three versions in the store, v0003 active and nothing held, as the model node will open it. */
async function prepareStore(definition: ReturnType<typeof flows>["model"], userDir: string): Promise<void> {
  // The setup makes its versions itself: no automatic update may add one beside them.
  const model = await PatternModel.open(settingsFromDefinition({ ...definition, autoUpdate: false }, userDir));
  try {
    await model.addFeedback(feedback(60, "a"));
    await model.update("full", "first");
    for (const [batch, version] of [
      ["b", "v0002"],
      ["c", "v0003"],
    ] as const) {
      await model.addFeedback(feedback(30, batch));
      await model.update("incremental", "next");
      await model.activate(version, { by: "setup", reason: "test setup" });
      await model.resume({ by: "setup" });
    }
  } finally {
    await model.close();
  }
}

describe.skipIf(skipReason !== null)(
  `the pattern-dashboard widget behind Home Assistant's ingress${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let work: string;
    let red: RunningNodeRed;
    let ingress: IngressProxy;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    /** Page errors, console errors and failed requests of the page's own (Dashboard 2's absolute favicon link aside). */
    const errors: string[] = [];
    const bundleRequests: string[] = [];

    const activations = async () =>
      (await getJson<{ activations: Activation[] }>(`${red.url}/pattern-quality/m1/activations`)).activations;
    const metrics = () =>
      getJson<{ activeVersion: string; hold: { version: string; by: string } | null; updating: boolean }>(
        `${red.url}/pattern-quality/m1/metrics`,
      );
    const row = (version: string) => page.locator(`li[data-version="${version}"]`);
    const notice = () => page.locator(".pq-notice");

    async function openPage(viewport: { width: number; height: number }): Promise<Page> {
      const opened = await context.newPage();
      await opened.setViewportSize(viewport);
      opened.on("pageerror", (error) => errors.push(error.message));
      opened.on("console", (message) => {
        // A failed request is a console error too; the response handler below says which.
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
          errors.push(message.text());
      });
      opened.on("response", (response) => {
        const { pathname } = new URL(response.url());
        // Dashboard 2 links its favicon at an absolute path, which leaves the ingress prefix: not this widget's.
        if (response.status() >= 400 && pathname.startsWith(`${ingress.ingressPath}/`)) {
          errors.push(`${response.status()} ${pathname}`);
        }
      });
      opened.on("request", (request) => {
        if (request.url().includes("pattern-dashboard.umd.js")) bundleRequests.push(new URL(request.url()).pathname);
      });
      await opened.goto(`${ingress.entry}dashboard/model`);
      await opened.getByText(/Active version: v000\d/).waitFor({ timeout: 60_000 });
      return opened;
    }

    beforeAll(async () => {
      work = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-widget-"));
      const userDir = path.join(work, "user");
      // Installed as the palette installs it: in the user directory's node_modules, named in its package.json.
      await fs.mkdir(path.join(userDir, "node_modules"), { recursive: true });
      symlinkSync(packageRoot, path.join(userDir, "node_modules", PACKAGE));
      const manifest = { name: "node-red-project", version: "0.0.1", private: true, dependencies: { [PACKAGE]: "*" } };
      await fs.writeFile(path.join(userDir, "package.json"), JSON.stringify(manifest));
      const { model, nodes } = flows(path.join(work, "store"));
      await prepareStore(model, userDir);
      red = await startNodeRed({
        flows: nodes,
        userDir,
        nodesDir: [path.dirname(require.resolve("@flowfuse/node-red-dashboard/package.json"))],
      });
      ingress = await IngressProxy.start({ appPort: red.port, fromAddress: "127.0.0.1", user: USER });
      browser = await launchChromium();
      context = await browser.newContext();
      await context.addCookies([{ name: "ingress_session", value: ingress.session, url: ingress.origin }]);
      page = await openPage({ width: 1280, height: 1000 });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await ingress?.stop();
      await red?.stop();
      if (red) await fs.writeFile(path.join(await artifactsDir(), "pattern-dashboard-node-red.txt"), red.output());
      if (work) await fs.rm(work, { recursive: true, force: true });
    }, 60_000);

    it("renders the versions on a fresh Node-RED, its bundle loaded through the ingress prefix", async () => {
      for (const version of ["v0003", "v0002", "v0001"]) await row(version).waitFor();
      await row("v0003")
        .locator(".pq-badge", { hasText: /^active$/ })
        .waitFor();
      expect(await row("v0003").getByRole("button").count()).toBe(0);
      expect(await row("v0001").getByRole("button", { name: "Rollback" }).count()).toBe(1);
      expect(await row("v0001").textContent()).toMatch(/Trial (\d+\.\d %|–).*Live \d+\.\d % \(\d+\)/);
      expect(bundleRequests.length).toBeGreaterThan(0);
      for (const request of bundleRequests)
        expect(request.startsWith(`${ingress.ingressPath}/resources/${PACKAGE}/`)).toBe(true);
      // The widget without a model says what to choose; the one without a group is simply not there.
      await page.getByText(/has no pattern model: open it, choose or add a "pattern-model"/).waitFor();
      expect(red.output()).toMatch(/has no Dashboard 2 group: open it, choose a "ui-group"/);
      expect(errors).toEqual([]);
    });

    it("rolls back only once confirmed, and the activation log records the Home Assistant user", async () => {
      await row("v0001").getByRole("button", { name: "Rollback" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText("Roll back to v0001?").waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "detached" });
      expect((await metrics()).activeVersion).toBe("v0003");

      await row("v0001").getByRole("button", { name: "Rollback" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Roll back to v0001" }).click();
      await notice()
        .getByText(/Rolled back to v0001/)
        .waitFor();
      expect(await metrics()).toMatchObject({ activeVersion: "v0001", hold: { version: "v0001", by: USER.username } });
      expect((await activations()).at(-1)).toEqual(
        expect.objectContaining({ from: "v0003", to: "v0001", reason: "dashboard", by: USER.username }),
      );
      // The page shows it without a reload: the row, the hold with its Resume button, the held alert.
      await row("v0001")
        .locator(".pq-badge", { hasText: /^active$/ })
        .waitFor();
      await page.getByText(/Automatic updates are held at v0001 .* by anna/).waitFor();
      await page.getByRole("button", { name: "Resume automatic updates" }).waitFor();
      await page.locator('li[data-alert="held"]').first().waitFor();
      await page.getByText(/v0003 → v0001/).waitFor();
      await fs.writeFile(
        path.join(await artifactsDir(), "pattern-dashboard-held.png"),
        await page.screenshot({ fullPage: true }),
      );
    });

    it("ends the hold with Resume automatic updates, and the alerts stay listed", async () => {
      await page.getByRole("button", { name: "Resume automatic updates" }).click();
      await notice().getByText("Automatic updates resumed.").waitFor();
      expect((await metrics()).hold).toBeNull();
      await page.getByText(/Automatic updates are held/).waitFor({ state: "detached" });
      expect(await page.getByRole("button", { name: "Resume automatic updates" }).count()).toBe(0);
      await page.locator('li[data-alert="held"]').first().waitFor();
    });

    it("says so when the version was pruned meanwhile, shows the versions there are, and changes nothing", async () => {
      const before = (await activations()).length;
      await row("v0002").getByRole("button", { name: "Activate" }).click();
      // While the person reads the confirmation, the version goes.
      const deleted = await fetch(`${red.url}/test/delete`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id: "v0002" }),
      });
      expect(deleted.status).toBe(200);
      await page.getByRole("dialog").getByRole("button", { name: "Activate v0002" }).click();
      await notice()
        .getByText(/v0002 is no longer there .*nothing changed/)
        .waitFor();
      await row("v0002").waitFor({ state: "detached" });
      expect(await metrics()).toMatchObject({ activeVersion: "v0001", hold: null });
      expect(await activations()).toHaveLength(before);
    });

    it("retrains in full with Retrain now, lists the new version and the slow-update alert", async () => {
      await page.getByRole("button", { name: "Retrain now" }).click();
      await notice()
        .getByText(/Retrained on all \d+ stored answers: v0004 \(full\)/)
        .waitFor({ timeout: 30_000 });
      await row("v0004").getByText(/full/).waitFor();
      await page.locator('li[data-alert="slow-update"]').waitFor();
    });

    it("sends each press on as a message for flows, naming who pressed", async () => {
      const presses = await getJson<Array<{ topic: string; payload: { by: string } }>>(`${red.url}/test/presses`);
      expect(presses.map((press) => press.topic)).toEqual(["rollback", "resume", "retrain"]);
      expect(presses.every((press) => press.payload.by === USER.username)).toBe(true);
    });

    it("at 390×844 every button is reachable without sideways scrolling", async () => {
      const phone = await openPage({ width: 390, height: 844 });
      await phone.locator('li[data-version="v0001"]').waitFor();
      const overflow = () =>
        phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(await overflow()).toBeLessThanOrEqual(0);
      const buttonsInside = async () => {
        const buttons = await phone.getByRole("button").all();
        expect(buttons.length).toBeGreaterThan(2);
        for (const button of buttons) {
          await button.scrollIntoViewIfNeeded();
          const box = (await button.boundingBox())!;
          expect(box.x, (await button.textContent()) ?? "").toBeGreaterThanOrEqual(0);
          expect(box.x + box.width, (await button.textContent()) ?? "").toBeLessThanOrEqual(390);
        }
        return buttons.length;
      };
      const onPage = await buttonsInside();
      expect(onPage).toBeGreaterThanOrEqual(3);
      const artifacts = await artifactsDir();
      await fs.writeFile(path.join(artifacts, "pattern-dashboard-390.png"), await phone.screenshot({ fullPage: true }));

      await phone.locator('li[data-version="v0003"]').getByRole("button", { name: "Activate" }).click();
      await phone.getByRole("dialog").waitFor();
      await buttonsInside();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await fs.writeFile(path.join(artifacts, "pattern-dashboard-390-confirm.png"), await phone.screenshot());
      await phone.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      expect(errors).toEqual([]);
      await phone.close();
    });

    it("at 390 px shows at the top of the widget a hold that a better version ended, and whose it was", async () => {
      const phone = await openPage({ width: 390, height: 844 });
      const held = await fetch(`${red.url}/pattern-quality/m1/rollback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ to: "v0001", reason: "too eager" }),
      });
      expect(held.status).toBe(200);
      await phone.getByText(/Automatic updates are held at v0001/).waitFor();
      // The household changes its mind: the held version answers the new taste wrong; the automatic
      // updates every 50 answers learn it, and one judged on later answers proves better. As in the
      // red.js hold test, a change of taste counts only once it has lasted 130 answers, and answers
      // that arrive while an update trains are not judged: a slow machine needs more of them. The
      // answers stop when the hold ends, so no later version goes live over the one that ended it.
      const changed = feedback(800, "changed", true);
      let given = 0;
      while (given < changed.length && (await metrics()).hold !== null) {
        const posted = await fetch(`${red.url}/test/feedback`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(changed[given++]),
        });
        expect(posted.status).toBe(200);
        if (given % 25 === 0) {
          await eventually("updates idle", async () => ((await metrics()).updating ? undefined : true), 30_000);
        }
      }
      expect((await metrics()).hold, `still held after ${given} changed answers`).toBeNull();
      const top = phone.locator(".pq-dash > *").first();
      await top
        .getByText(/proved better on new feedback and went live: it ended the hold set by .+ at v0001/)
        .waitFor();
      expect(await phone.getByText(/Automatic updates are held/).count()).toBe(0);
      expect((await activations()).at(-1)?.reason).toMatch(/^challenger promoted: ended the hold set by .+ at v0001$/);
      const overflow = await phone.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await fs.writeFile(
        path.join(await artifactsDir(), "pattern-dashboard-390-hold-ended.png"),
        await phone.screenshot({ fullPage: true }),
      );
      expect(errors).toEqual([]);
      await phone.close();
    }, 120_000);
  },
);
