import { describe, expect, it } from "vitest";
import { growTrees } from "../../src/learning/forest";
import { DEFAULT_FOREST_PARAMS } from "../../src/learning/params";
import { TreeGrower, warmUp, type HistorySync, type TrainingReply } from "../../src/learning/training-job";
import { pack, ruleRows } from "./forest-fixtures";

const params = { ...DEFAULT_FOREST_PARAMS, trees: 4 };

function sync(fromSeq: number, n: number, reset: boolean, seed = 1): HistorySync {
  const rows = pack(...(Object.values(ruleRows(n, 3, seed)) as [Float64Array[], (0 | 1)[]]));
  return { historyId: "h1", capacity: 1000, d: 3, reset, fromSeq, X: rows.X, y: rows.y };
}

function ok(reply: TrainingReply): Extract<TrainingReply, { ok: true }> {
  if (!reply.ok) throw new Error(reply.message);
  return reply;
}

describe("the worker's tree grower", () => {
  it("keeps a copy of the history from the rows it is sent", () => {
    const grower = new TreeGrower();
    expect(grower.endSeqOf("h1")).toBe(-1);
    grower.handle({ id: 1, sync: sync(0, 50, true), job: { params, serials: [], fromSeq: 0, toSeq: 50 } });
    grower.handle({ id: 2, sync: sync(50, 20, false, 2), job: { params, serials: [], fromSeq: 0, toSeq: 70 } });
    expect(grower.endSeqOf("h1")).toBe(70);
    expect(grower.endSeqOf("h2")).toBe(-1);
  });

  it("grows the requested trees on the requested rows and hands their buffers over", () => {
    const grower = new TreeGrower();
    const first = sync(0, 80, true);
    const { reply, transfer } = grower.handle({
      id: 3,
      sync: first,
      job: { params, serials: [7, 8], fromSeq: 10, toSeq: 80 },
    });
    const grown = ok(reply);
    expect(grown.id).toBe(3);
    const expected = growTrees({ X: first.X.slice(30), y: first.y.slice(10), n: 70, d: 3 }, params, [7, 8]);
    expect(grown.trees).toEqual(expected);
    expect(transfer).toHaveLength(12);
  });

  it("adds rows sent with the request after the history rows", () => {
    const grower = new TreeGrower();
    const stored = sync(0, 40, true);
    const extra = sync(0, 10, true, 9);
    grower.handle({ id: 1, sync: stored, job: { params, serials: [], fromSeq: 0, toSeq: 0 } });
    const reply = ok(
      grower.handle({ id: 2, job: { params, serials: [1], fromSeq: 0, toSeq: 40, extraX: extra.X, extraY: extra.y } })
        .reply,
    );
    const X = new Float64Array(150);
    X.set(stored.X);
    X.set(extra.X, 120);
    const y = Uint8Array.from([...stored.y, ...extra.y]);
    expect(reply.trees).toEqual(growTrees({ X, y, n: 50, d: 3 }, params, [1]));
  });

  it("grows from a smaller request after a larger one what a fresh grower grows (its buffers are reused)", () => {
    const stored = sync(0, 60, true);
    const large = sync(0, 30, true, 4);
    const small = sync(0, 5, true, 5);
    const job = (extra: HistorySync, fromSeq: number) => ({
      params,
      serials: [3, 4],
      fromSeq,
      toSeq: 60,
      extraX: extra.X,
      extraY: extra.y,
    });
    const used = new TreeGrower();
    used.handle({ id: 1, sync: stored, job: { params, serials: [], fromSeq: 0, toSeq: 0 } });
    ok(used.handle({ id: 2, job: job(large, 0) }).reply);
    const fresh = new TreeGrower();
    fresh.handle({ id: 1, sync: sync(0, 60, true), job: { params, serials: [], fromSeq: 0, toSeq: 0 } });
    expect(ok(used.handle({ id: 3, job: job(small, 40) }).reply).trees).toEqual(
      ok(fresh.handle({ id: 2, job: job(small, 40) }).reply).trees,
    );
  });

  it("joins rows of a history with more features after one with fewer", () => {
    const wide = (n: number, seed: number) =>
      pack(...(Object.values(ruleRows(n, 8, seed)) as [Float64Array[], (0 | 1)[]]));
    const grower = new TreeGrower();
    grower.handle({ id: 1, sync: sync(0, 60, true), job: { params, serials: [], fromSeq: 0, toSeq: 0 } });
    const narrow = sync(0, 30, true, 4);
    ok(
      grower.handle({ id: 2, job: { params, serials: [1], fromSeq: 0, toSeq: 60, extraX: narrow.X, extraY: narrow.y } })
        .reply,
    );
    const stored = wide(40, 6);
    const extra = wide(10, 7);
    grower.handle({
      id: 3,
      sync: { historyId: "h2", capacity: 1000, d: 8, reset: true, fromSeq: 0, X: stored.X, y: stored.y },
      job: { params, serials: [], fromSeq: 0, toSeq: 0 },
    });
    const reply = ok(
      grower.handle({ id: 4, job: { params, serials: [1], fromSeq: 0, toSeq: 40, extraX: extra.X, extraY: extra.y } })
        .reply,
    );
    const X = new Float64Array(50 * 8);
    X.set(stored.X);
    X.set(extra.X, 40 * 8);
    const y = Uint8Array.from([...stored.y, ...extra.y]);
    expect(reply.trees).toEqual(growTrees({ X, y, n: 50, d: 8 }, params, [1]));
  });

  it("trains on sent rows alone before it has any history", () => {
    const grower = new TreeGrower();
    const extra = sync(0, 10, true);
    const reply = ok(
      grower.handle({ id: 1, job: { params, serials: [0], fromSeq: 0, toSeq: 0, extraX: extra.X, extraY: extra.y } })
        .reply,
    );
    expect(reply.trees).toHaveLength(1);
  });

  it("grows nothing without rows", () => {
    const reply = ok(new TreeGrower().handle({ id: 1, job: { params, serials: [0], fromSeq: 0, toSeq: 0 } }).reply);
    expect(reply.trees).toEqual([]);
  });

  it("answers rows out of order with a failure, not a throw", () => {
    const grower = new TreeGrower();
    grower.handle({ id: 1, sync: sync(0, 10, true), job: { params, serials: [], fromSeq: 0, toSeq: 0 } });
    const { reply } = grower.handle({
      id: 2,
      sync: sync(15, 5, false),
      job: { params, serials: [], fromSeq: 0, toSeq: 0 },
    });
    expect(reply).toEqual({ id: 2, ok: false, message: "history rows out of order: expected row 10, got 15" });
  });

  it("answers rows for a history it does not hold with a failure", () => {
    const { reply } = new TreeGrower().handle({
      id: 4,
      sync: sync(10, 5, false),
      job: { params, serials: [], fromSeq: 0, toSeq: 0 },
    });
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.message).toMatch(/no copy of history h1/);
  });

  it("turns a thrown non-error into a failure message", () => {
    const grower = new TreeGrower();
    const request = { id: 5, job: null as never };
    expect(grower.handle(request).reply.ok).toBe(false);
  });

  it("warms up without failing", () => {
    expect(() => warmUp()).not.toThrow();
  });
});
