/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// The package's nodes as a Node-RED user meets them in the editor: the palette search (which
// matches a node's type and palette label only) finds them by the words users type, a node
// dropped on the canvas is called what the palette called it, and every help ends with references.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startNodeRed, type RunningNodeRed } from "../support/node-red";
import { browserSkipReason, launchChromium } from "./support";

const skipReason = browserSkipReason();
const FLOW_NODES = ["feedback-collector", "incremental-update", "model-version", "pattern-score"];
const ALL_NODES = [...FLOW_NODES, "pattern-model", "pattern-quality-ha"];

type EditorWindow = {
  RED: {
    nodes: { eachNode(visit: (node: { type: string }) => void): void; getType(type: string): unknown };
    utils: { getNodeLabel(node: object): string; getPaletteLabel(type: string, def: unknown): string };
    view: { importNodes(nodes: object[], options: object): void };
    workspaces: { active(): string };
  };
};

describe.skipIf(skipReason !== null)(
  `the palette and the canvas${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let red: RunningNodeRed;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      red = await startNodeRed({ flows: [], settings: { externalModules: { palette: { allowInstall: false } } } });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(red.url);
      await page.locator(".red-ui-palette-node").first().waitFor({ timeout: 60_000 });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await red?.stop();
    }, 60_000);

    /** The package's flow node types the palette shows for a search. */
    async function found(term: string): Promise<string[]> {
      const search = page.locator("#red-ui-palette-search input");
      await search.fill("");
      // Typed key by key: the search box filters on key presses (after a short debounce).
      await search.pressSequentially(term);
      await page.waitForTimeout(500);
      const visible: string[] = [];
      for (const type of FLOW_NODES) {
        if (await page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`).isVisible()) visible.push(type);
      }
      return visible;
    }

    it.each([
      ["pattern", FLOW_NODES],
      ["Pattern", FLOW_NODES],
      // Most flows feed the collector messages: its palette label no longer claims Home Assistant
      // (the canvas label says so on a collector that listens to it).
      ["home assistant", []],
      ["rollback", ["model-version"]],
      ["feedback", ["feedback-collector"]],
      ["score", ["pattern-score"]],
      ["update", ["incremental-update"]],
      ["version", ["model-version"]],
    ])("a palette search for %s finds %j", async (term, types) => {
      expect(await found(term)).toEqual(types);
    });

    it("labels each node on the canvas as the palette does", async () => {
      await page.locator("#red-ui-palette-search input").fill("");
      const labels = await page.evaluate((types) => {
        const { RED } = window as unknown as EditorWindow;
        const z = RED.workspaces.active();
        RED.view.importNodes(
          types.map((type, i) => ({ id: `palette-test-${i}`, type, z, x: 200, y: 80 + 60 * i, wires: [] })),
          { generateIds: true },
        );
        const pairs: Record<string, { palette: string; canvas: string }> = {};
        RED.nodes.eachNode((node) => {
          pairs[node.type] = {
            palette: RED.utils.getPaletteLabel(node.type, RED.nodes.getType(node.type)),
            canvas: RED.utils.getNodeLabel(node),
          };
        });
        return pairs;
      }, FLOW_NODES);
      for (const type of FLOW_NODES) {
        expect(labels[type], type).toBeDefined();
        expect(labels[type]!.canvas, type).toBe(labels[type]!.palette);
      }
    });

    it("ends every node's help with a References section of links", async () => {
      const html = await (await fetch(`${red.url}/nodes`, { headers: { accept: "text/html" } })).text();
      for (const type of ALL_NODES) {
        const help = new RegExp(`data-help-name="${type}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? "";
        const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((match) => match[1]);
        expect(sections.at(-1), type).toBe("References");
        expect(help.slice(help.lastIndexOf("<h3>References</h3>")), type).toMatch(/<li>[\s\S]*<a href="https:\/\//);
      }
    });
  },
);
