import { describe, expect, it } from "vitest";
import { startNodeRed } from "../support/node-red";
import { ADMIN, onCleanup, startSimulator } from "./fixtures";

// Runs the compiled package in a real Node-RED process (red.js), as users install it: run
// `npm run build` first.
describe("pattern-quality-ha in a running Node-RED", () => {
  it("is offered in the palette with its editor, and keeps the token out of the flows", async () => {
    const sim = await startSimulator();
    const red = await startNodeRed({
      flows: [{ id: "ha1", type: "pattern-quality-ha", name: "Home", url: sim.url }],
      credentials: { ha1: { token: ADMIN } },
    });
    onCleanup(async () => void (await red.stop()));
    const nodes = (await (await fetch(`${red.url}/nodes`, { headers: { accept: "application/json" } })).json()) as {
      types: string[];
    }[];
    expect(nodes.flatMap((set) => set.types)).toContain("pattern-quality-ha");
    const editor = await (await fetch(`${red.url}/nodes`, { headers: { accept: "text/html" } })).text();
    expect(editor).toContain('data-help-name="pattern-quality-ha"');
    const flows = await (await fetch(`${red.url}/flows`)).text();
    expect(flows).toContain(`"url":"${sim.url}"`);
    expect(flows).not.toContain(ADMIN);
    expect(red.output()).not.toContain(ADMIN);
    const credentials = await (await fetch(`${red.url}/credentials/pattern-quality-ha/ha1`)).json();
    expect(credentials).toEqual({ has_token: true });
  });
});
