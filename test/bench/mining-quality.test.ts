import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ahead, evaluate, f1, type HomeCase, missedRoutines, summarize } from "../../bench/mining/quality";
import type { Suggestion } from "../../bench/mining/scoring";
import { RecordingProxy } from "../../bench/mining/speed";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";

const light = { entityId: "light.kitchen", to: "on" };
const porch = { entityId: "light.porch", to: "on" };

function home(seed: number): HomeCase {
  return {
    label: `seed ${seed}`,
    seed,
    wallSwitchShare: 0.5,
    logbook: [],
    planted: [
      { kind: "time_of_day", change: light, minute: 7 * 60, dayClass: "weekdays" },
      { kind: "time_of_day", change: porch, minute: 19 * 60, dayClass: "daily" },
    ],
    confounders: [{ kind: "automation", entityIds: ["light.garden"] }],
    timeZone: "UTC",
  };
}

const good = (h: HomeCase): Suggestion[] =>
  h.seed === 2
    ? [{ kind: "time_of_day", change: light, minute: 7 * 60 + 5 }]
    : [
        { kind: "time_of_day", change: light, minute: 7 * 60 + 5 },
        { kind: "time_of_day", change: porch, minute: 19 * 60 },
      ];
const leaky = (): Suggestion[] => [
  { kind: "time_of_day", change: light, minute: 7 * 60 },
  { kind: "time_of_day", change: { entityId: "light.garden", to: "on" }, minute: 20 * 60 },
];

describe("the mining benchmark's figures over homes", () => {
  const runs = evaluate(
    [home(1), home(2), home(3)],
    [
      { name: "ours", suggest: good },
      { name: "leaky", suggest: leaky },
      { name: "silent", suggest: () => [] },
    ],
  );

  it("reports the median and the worst recall and precision of each method", () => {
    const ours = summarize(runs, "ours");
    expect(ours.recall).toEqual({ median: 1, worst: 0.5 });
    expect(ours.precision).toEqual({ median: 1, worst: 1 });
    expect(ours.missed).toEqual({ time_of_day: 1 });
    const leakySummary = summarize(runs, "leaky");
    expect(leakySummary.precision).toEqual({ median: 0.5, worst: 0.5 });
    expect(leakySummary.leaks).toEqual({ automation: 3 });
  });

  it("leaves precision out for a method that suggests nothing, and counts those homes", () => {
    const silent = summarize(runs, "silent");
    expect(silent.homesWithoutSuggestions).toBe(3);
    expect(Number.isNaN(silent.precision.median)).toBe(true);
    expect(silent.recall.worst).toBe(0);
  });

  it("calls ours ahead of a baseline on a home only with a higher F1", () => {
    const [first, second] = runs;
    expect(f1(first!.runs.ours!)).toBe(1);
    expect(ahead(first!.runs.ours!, first!.runs.leaky!)).toBe(true);
    // Home 2: ours finds 1 of 2 with precision 1 (F1 0.67), leaky 1 of 2 with precision 0.5 (F1 0.5).
    expect(ahead(second!.runs.ours!, second!.runs.leaky!)).toBe(true);
    expect(ahead(second!.runs.leaky!, second!.runs.ours!)).toBe(false);
    expect(ahead(first!.runs.ours!, first!.runs.ours!)).toBe(false);
  });

  it("says which planted routine was missed and why", () => {
    expect(missedRoutines(runs[1]!, "ours")).toEqual([
      "seed 2: time of day light.porch → on at 19:00 (dayClass daily): no suggestion for it",
    ]);
    expect(missedRoutines(runs[0]!, "ours")).toEqual([]);
  });
});

describe("the recording proxy in front of Home Assistant", () => {
  it("records the logbook requests a client sends and the period each asks for", async () => {
    const sim = await HomeAssistantSimulator.start({ tokens: ["t"] });
    const proxy = await RecordingProxy.start(sim.websocketUrl);
    try {
      const socket = new WebSocket(`${proxy.url.replace("http", "ws")}/api/websocket`);
      const messages: Record<string, unknown>[] = [];
      socket.on("message", (data) => messages.push(JSON.parse(data.toString())));
      const until = async (type: string) => {
        while (!messages.some((m) => m.type === type)) await new Promise((r) => setTimeout(r, 5));
      };
      await until("auth_required");
      socket.send(JSON.stringify({ type: "auth", access_token: "t" }));
      await until("auth_ok");
      socket.send(
        JSON.stringify({
          id: 1,
          type: "logbook/get_events",
          start_time: "2026-11-01T00:00:00Z",
          end_time: "2026-11-02T00:00:00Z",
        }),
      );
      await until("result");
      socket.close();
      expect(proxy.logbookRequests()).toEqual([
        { startTime: "2026-11-01T00:00:00Z", endTime: "2026-11-02T00:00:00Z", hours: 24, entityIds: 0 },
      ]);
      expect(proxy.commands.some((c) => c.type === "auth")).toBe(false);
    } finally {
      await proxy.stop();
      await sim.stop();
    }
  });
});
