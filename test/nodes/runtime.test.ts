import * as path from "node:path";
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it } from "vitest";
import { helper, initNodeRed } from "./harness";

const require = createRequire(import.meta.url);

beforeAll(() => initNodeRed());

describe("the Node-RED these node tests run on", () => {
  it("is the one NODE_RED_PATH names (the Node-RED 5 leg), else the installed one", () => {
    const packageJson = process.env.NODE_RED_PATH
      ? path.join(process.env.NODE_RED_PATH, "package.json")
      : "node-red/package.json";
    const expected = require(packageJson).version as string;
    // Node-RED appends "-git" when it runs inside a git work tree.
    expect((helper as unknown as { _RED: { version(): string } })._RED.version().replace(/-git$/, "")).toBe(expected);
  });
});
