// The Home Assistant app's server (addon/server.js) outside Docker, laid out as in its image:
// Node-RED, Dashboard 2 and this package side by side in one node_modules folder.
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/node-red";
import { eventually, projectRoot } from "./support";

/** Opens a TCP connection from `localAddress` and resolves with what the server sent before closing. */
function exchange(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () =>
      socket.write("GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("close", () => resolve(received));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve(received) : reject(error),
    );
  });
}

describe("the Home Assistant app's server", () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  let output = "";

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-app-"));
    const app = path.join(dir, "opt");
    const modules = path.join(app, "node_modules");
    await fs.mkdir(path.join(modules, "@flowfuse"), { recursive: true });
    for (const name of await fs.readdir(path.join(projectRoot, "node_modules"))) {
      if (name.startsWith(".") || name === "@flowfuse") continue;
      await fs.symlink(path.join(projectRoot, "node_modules", name), path.join(modules, name));
    }
    await fs.symlink(
      path.join(projectRoot, "node_modules", "@flowfuse", "node-red-dashboard"),
      path.join(modules, "@flowfuse", "node-red-dashboard"),
    );
    await fs.symlink(projectRoot, path.join(modules, "node-red-contrib-pattern-quality"));
    for (const file of ["server.js", "settings.js"])
      await fs.copyFile(path.join(projectRoot, "addon", file), path.join(app, file));
    await fs.mkdir(path.join(dir, "data"));
    await fs.writeFile(
      path.join(dir, "data", "options.json"),
      JSON.stringify({ log_level: "info", install_example_flows: true }),
    );

    port = await freePort();
    // --preserve-symlinks keeps Node-RED inside opt/node_modules, where it finds its neighbours.
    server = spawn(process.execPath, ["--preserve-symlinks", path.join(app, "server.js")], {
      env: {
        ...process.env,
        PATTERN_QUALITY_DATA: path.join(dir, "data"),
        PATTERN_QUALITY_INGRESS_PORT: String(port),
        PATTERN_QUALITY_INGRESS_FROM: "127.0.0.1",
        // As in the app: the connection uses the Supervisor, unreachable here, which must not crash anything.
        SUPERVISOR_TOKEN: "supervisor-token-not-reachable-here",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    await eventually(
      async () => (output.includes("Started flows") ? true : undefined),
      "Node-RED in the app to start its flows",
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }, 30_000);

  it("serves the editor to the ingress proxy", async () => {
    const answer = await exchange(port, "127.0.0.1");
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain("Node-RED");
  });

  it("closes connections from any other address without a byte", async () => {
    expect(await exchange(port, "127.0.0.2")).toBe("");
  });

  it("deploys the dashboard and the Home Assistant decisions flow on the first start", async () => {
    const flows = JSON.parse(await fs.readFile(path.join(dir, "data", "node-red", "flows.json"), "utf8")) as Record<
      string,
      unknown
    >[];
    expect(flows.filter((node) => node.type === "tab").map((node) => node.label)).toEqual([
      "Pattern quality dashboard",
      "Home Assistant decisions",
    ]);
    const connection = flows.find((node) => node.type === "pattern-quality-ha");
    expect(connection).toMatchObject({ url: "" });
    expect(flows.find((node) => node.type === "feedback-collector")).toMatchObject({
      ha: connection!.id,
      model: "pq-dash-model",
    });
  });

  it("keeps running, with its model open, while the Supervisor is unreachable", async () => {
    const response = await exchange(port, "127.0.0.1");
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    const versions = await fetch(`http://127.0.0.1:${port}/pattern-quality/pq-dash-model/versions`);
    expect(`${versions.status} ${await versions.text()}`).toMatch(/^200 /);
    expect(server.exitCode).toBeNull();
    expect(output).not.toContain("supervisor-token-not-reachable-here");
  });
});
