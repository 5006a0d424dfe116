/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// The Node-RED editor in a real browser, with this package installed: every node is in the
// palette (configuration nodes registered), every node's help renders, the console stays clean.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startNodeRed, type RunningNodeRed } from "../support/node-red";
import { browserSkipReason, launchChromium, projectRoot } from "./support";

const skipReason = browserSkipReason();

interface PackageNodeType {
  type: string;
  config: boolean;
}

/** The node types this package registers, read from the editor files its package.json lists. */
function packageNodeTypes(): PackageNodeType[] {
  const manifest = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")) as {
    "node-red": { nodes: Record<string, string> };
  };
  const types: PackageNodeType[] = [];
  for (const file of Object.values(manifest["node-red"].nodes)) {
    const html = readFileSync(path.join(projectRoot, file.replace(/\.js$/, ".html")), "utf8");
    for (const match of html.matchAll(/registerType\(\s*["']([^"']+)["']\s*,\s*\{([\s\S]*?)\bdefaults\b/g)) {
      types.push({ type: match[1]!, config: /category\s*:\s*["']config["']/.test(match[2]!) });
    }
  }
  return types;
}

describe.skipIf(skipReason !== null)(`the Node-RED editor${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const types = packageNodeTypes();

  beforeAll(async () => {
    red = await startNodeRed({
      flows: [],
      // No palette installs, so the editor does not fetch the online catalogue (CI has no internet).
      settings: { externalModules: { palette: { allowInstall: false } } },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(red.url);
    await page.locator(".red-ui-palette-node").first().waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await red?.stop();
  }, 60_000);

  it("knows the package's node types from its package.json", () => {
    expect(types.filter((t) => !t.config).map((t) => t.type)).toEqual(
      expect.arrayContaining(["feedback-collector", "incremental-update", "model-version", "pattern-score"]),
    );
    expect(types.filter((t) => t.config).map((t) => t.type)).toContain("pattern-model");
  });

  it("shows every flow node of the package in the palette", async () => {
    for (const { type } of types.filter((t) => !t.config)) {
      await expect(page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).count(), type).resolves.toBe(1);
    }
  });

  it("registers every configuration node of the package", async () => {
    for (const { type } of types.filter((t) => t.config)) {
      const registered = await page.evaluate(
        (t) => Boolean((window as unknown as { RED: { nodes: { getType(t: string): unknown } } }).RED.nodes.getType(t)),
        type,
      );
      expect(registered, type).toBe(true);
    }
  });

  it("renders every node's help text in the help sidebar", async () => {
    for (const { type } of types) {
      await page.evaluate(
        (t) =>
          (
            window as unknown as { RED: { sidebar: { help: { show(t: string, front: boolean): void } } } }
          ).RED.sidebar.help.show(t, true),
        type,
      );
      const help = page.locator(".red-ui-sidebar-help-stack .red-ui-help").last();
      await help.waitFor({ timeout: 10_000 });
      const text = (await help.innerText()).trim();
      expect(text.length, `${type} help`).toBeGreaterThan(80);
      expect(text, `${type} help`).not.toMatch(/No information available/i);
    }
  });

  it("logs no errors in the browser console", () => {
    expect(consoleErrors).toEqual([]);
  });
});
