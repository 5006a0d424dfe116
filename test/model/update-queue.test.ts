import { describe, expect, it } from "vitest";
import { UpdateQueue, type UpdateRequest } from "../../src/model/update-queue";

/** A run the test finishes by hand, so the order of events is explicit rather than timed. */
function gatedRuns() {
  const started: UpdateRequest[] = [];
  const gates: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const queue = new UpdateQueue<string>(
    (request) =>
      new Promise<string>((resolve, reject) => {
        started.push({ ...request });
        gates.push({ resolve, reject });
      }),
  );
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { queue, started, gates, settle };
}

describe("update queue", () => {
  it("starts a request at once when idle", async () => {
    const { queue, started, gates, settle } = gatedRuns();
    const result = queue.request("incremental", "manual");
    await settle();
    expect(queue.running).toBe(true);
    expect(started).toEqual([{ mode: "incremental", reason: "manual" }]);
    gates[0]?.resolve("v1");
    expect(await result).toBe("v1");
    expect(queue.running).toBe(false);
  });

  it("coalesces every request made during a run into exactly one follow-up", async () => {
    const { queue, started, gates, settle } = gatedRuns();
    const first = queue.request("incremental", "auto-update");
    await settle();
    const followUps = [
      queue.request("incremental", "auto-update"),
      queue.request("incremental", "manual"),
      queue.request("incremental", "manual"),
    ];
    expect(queue.queued).toBe(true);
    await settle();
    expect(started).toHaveLength(1);
    gates[0]?.resolve("v1");
    expect(await first).toBe("v1");
    await settle();
    expect(started).toHaveLength(2);
    expect(started[1]).toEqual({ mode: "incremental", reason: "manual" });
    gates[1]?.resolve("v2");
    expect(await Promise.all(followUps)).toEqual(["v2", "v2", "v2"]);
    await queue.idle();
    expect(started).toHaveLength(2);
    expect(queue.running).toBe(false);
    expect(queue.queued).toBe(false);
  });

  it("makes the follow-up a full update when any coalesced request asked for one", async () => {
    const { queue, started, gates, settle } = gatedRuns();
    void queue.request("incremental", "manual");
    await settle();
    void queue.request("incremental", "manual");
    void queue.request("full", "manual");
    void queue.request("incremental", "auto-update");
    gates[0]?.resolve("v1");
    await settle();
    expect(started[1]).toEqual({ mode: "full", reason: "manual" });
    gates[1]?.resolve("v2");
    await queue.idle();
  });

  it("runs the follow-up even when the run before it failed", async () => {
    const { queue, started, gates, settle } = gatedRuns();
    const first = queue.request("incremental", "manual");
    await settle();
    const second = queue.request("full", "manual");
    gates[0]?.reject(new Error("disk full"));
    await expect(first).rejects.toThrow("disk full");
    await settle();
    expect(started).toHaveLength(2);
    gates[1]?.resolve("v2");
    expect(await second).toBe("v2");
  });

  it("starts a fresh run for a request made after the previous one finished", async () => {
    const { queue, started, gates, settle } = gatedRuns();
    const first = queue.request("incremental", "manual");
    await settle();
    gates[0]?.resolve("v1");
    await first;
    await settle();
    const second = queue.request("incremental", "manual");
    await settle();
    expect(started).toHaveLength(2);
    gates[1]?.resolve("v2");
    expect(await second).toBe("v2");
  });

  it("reports idle at once when nothing runs", async () => {
    const { queue } = gatedRuns();
    await queue.idle();
    expect(queue.running).toBe(false);
  });

  it("waits in idle() for the run and its follow-up, without re-throwing their errors", async () => {
    const { queue, gates, settle } = gatedRuns();
    const first = queue.request("incremental", "manual");
    await settle();
    const second = queue.request("incremental", "manual");
    first.catch(() => undefined);
    second.catch(() => undefined);
    let idle = false;
    const waiting = queue.idle().then(() => {
      idle = true;
    });
    gates[0]?.reject(new Error("one"));
    await settle();
    expect(idle).toBe(false);
    gates[1]?.reject(new Error("two"));
    await waiting;
    expect(idle).toBe(true);
  });
});
