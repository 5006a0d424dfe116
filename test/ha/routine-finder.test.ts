// Reading a home and its logbook from the simulator over a real websocket, and the routine
// finder that mines it in a worker thread.
import { describe, expect, it } from "vitest";
import { HomeAssistantConnection } from "../../src/ha/connection";
import { readHome, readLogbook } from "../../src/ha/home-history";
import { RoutineFinder } from "../../src/ha/routine-finder";
import { MinerThread } from "../../src/mining/miner-thread";
import { main } from "../../src/cli";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { generateHome } from "../../src/testing/simulation/home-history";
import { fast, onCleanup } from "./fixtures";

const home = generateHome({ seed: 8 });
const supervisor = home.users.find((u) => u.name === "Supervisor")!;
const clara = home.users.find((u) => u.name === "Clara")!;

async function connected(token = "app", options: Parameters<typeof HomeAssistantSimulator.start>[0] = {}) {
  const simulator = await HomeAssistantSimulator.start({
    home,
    tokens: [
      { token: "app", userId: supervisor.id },
      { token: "clara", userId: clara.id },
    ],
    ...options,
  });
  onCleanup(() => simulator.stop());
  const connection = new HomeAssistantConnection({ url: simulator.url, token, ...fast });
  onCleanup(() => connection.close());
  await connection.connect();
  return { simulator, connection };
}

describe("reading the home", () => {
  it("reads the registries, the users, names and device classes, and this connection's own user", async () => {
    const { connection } = await connected();
    const { home: read, problems } = await readHome(connection);
    expect(problems).toEqual([]);
    expect(read.ownUserId).toBe(supervisor.id);
    expect(read.areas.length).toBe(home.areas.length);
    expect(read.entities.length).toBe(home.entities.length);
    expect(read.users?.some((u) => u.name === "Supervisor" && u.system_generated)).toBe(true);
    expect(Object.values(read.deviceClasses ?? {})).toContain("door");
    expect(read.timeZone).toBe(home.timeZone);
  });

  it("goes on without what a non-admin token may not read, and names it", async () => {
    const { connection } = await connected("clara");
    const { home: read, problems } = await readHome(connection);
    expect(read.users).toBeNull();
    expect(problems.join(" ")).toMatch(/refused the list of users \(the token's user is not an admin\)/);
  });

  it("names a part Home Assistant fails to give, and reads the rest", async () => {
    const { simulator, connection } = await connected();
    simulator.injectFault("config/area_registry/list", { kind: "error", code: "unknown_error", message: "boom" });
    const { home: read, problems } = await readHome(connection);
    expect(read.areas).toEqual([]);
    expect(problems.join(" ")).toMatch(/area registry.*boom/);
  });

  it("asks for the logbook two hours at a time", async () => {
    const { simulator, connection } = await connected();
    const asked: number[] = [];
    const to = new Date();
    const from = new Date(to.getTime() - 3.5 * 86_400_000);
    const read = await readLogbook(connection, from, to, (entries) => {
      asked.push(entries.length);
    });
    expect(read.days).toBe(4);
    expect(asked).toHaveLength(42);
    expect(read.entries).toBe(asked.reduce((a, b) => a + b, 0));
    expect(simulator.commandCount("logbook/get_events")).toBe(42);
  });

  it("refuses a logbook answer that is not a list", async () => {
    const { simulator, connection } = await connected();
    simulator.injectFault("logbook/get_events", { kind: "malformed" });
    await expect(
      readLogbook(connection, new Date(Date.now() - 3_600_000), new Date(), () => undefined),
    ).rejects.toThrow(/malformed|not.*list/);
  });
});

describe("the routine finder", () => {
  it("backfills the lookback, then reads only what is new, keeping the routines' ids", async () => {
    const { connection } = await connected();
    const finder = new RoutineFinder(connection);
    onCleanup(() => finder.close());
    const first = await finder.run();
    expect(first.daysRead).toBe(28);
    expect(first.patterns.length).toBeGreaterThanOrEqual(8);
    const second = await finder.run();
    expect(second.daysRead).toBe(1);
    expect(second.patterns.map((p) => p.id)).toEqual(first.patterns.map((p) => p.id));
  });

  it("joins a run asked for while one is going", async () => {
    const { connection } = await connected();
    const finder = new RoutineFinder(connection, { lookbackDays: 7 });
    onCleanup(() => finder.close());
    const [a, b] = [finder.run(), finder.run()];
    expect(await a).toBe(await b);
  });

  it("rejects a run whose worker thread cannot start, and starts afresh the next time", async () => {
    const { connection } = await connected();
    const finder = new RoutineFinder(connection, { lookbackDays: 2 }, "/nonexistent/mining-worker.js");
    await expect(finder.run()).rejects.toThrow(/mining worker thread stopped/);
    await expect(finder.run()).rejects.toThrow(/mining worker thread stopped/);
  });
});

describe("the miner thread", () => {
  it("refuses bad settings before starting a worker", () => {
    expect(() => new MinerThread({ ...emptyHome() }, { lookbackDays: -1 })).toThrow(/lookbackDays/);
  });

  it("rejects mining after it was closed", async () => {
    const thread = new MinerThread(emptyHome());
    await thread.close();
    await expect(thread.mine(new Date())).rejects.toThrow(/closed/);
  });
});

describe("pattern-quality suggest", () => {
  function output() {
    const out = { text: "", errors: "" };
    return {
      out,
      sink: {
        stdout: (t: string) => {
          out.text += t;
        },
        stderr: (t: string) => {
          out.errors += t;
        },
      },
    };
  }

  it("prints the routines in words, most confident first, and what was left out", async () => {
    const { simulator } = await connected();
    const { out, sink } = output();
    const code = await main(["suggest", "--ha-url", simulator.url, "--days", "14"], sink, { HA_TOKEN: "app" });
    expect(out.errors).toBe("");
    expect(code).toBe(0);
    expect(out.text).toMatch(/^Read 14 days of logbook \([\d,]+ entries\)/);
    expect(out.text).toMatch(/\n {2}1\. .+: (done by hand|followed)/);
    expect(out.text).toMatch(/Left out [\d,]+ made by automations, scripts or apps/);
  });

  it("gives the routines as JSON", async () => {
    const { simulator } = await connected();
    const { out, sink } = output();
    const code = await main(["suggest", "--ha-url", simulator.url, "--token", "app", "--json"], sink, {});
    expect(code).toBe(0);
    const json = JSON.parse(out.text);
    expect(json.routines.length).toBeGreaterThan(0);
    expect(json.routines[0]).toHaveProperty("automation.triggers");
    expect(json.daysRead).toBe(28);
  });

  it("says what is missing: the address or the token", async () => {
    const { out, sink } = output();
    expect(await main(["suggest"], sink, {})).toBe(1);
    expect(out.errors).toMatch(/--ha-url: missing/);
    expect(await main(["suggest", "--ha-url", "http://127.0.0.1:9"], sink, {})).toBe(1);
    expect(out.errors).toMatch(/--token: missing/);
  });

  it("says when Home Assistant has no logbook", async () => {
    const { simulator } = await connected("app", { components: ["config", "websocket_api"] });
    const { out, sink } = output();
    expect(await main(["suggest", "--ha-url", simulator.url, "--token", "app"], sink, {})).toBe(1);
    expect(out.errors).toMatch(/has no logbook/);
  });
});

function emptyHome() {
  return { areas: [], devices: [], entities: [], names: {}, ownUserId: null, users: null, timeZone: "UTC" };
}
