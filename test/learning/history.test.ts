import { describe, expect, it } from "vitest";
import { encodeBatch, TrainingHistory } from "../../src/learning/history";
import { RowStore } from "../../src/learning/rows";
import { numberedSchema } from "./forest-fixtures";
import { fieldOf } from "../support/invalid-input";

const schema = numberedSchema(2);

describe("a training history", () => {
  it("keeps rows and labels in the order added", () => {
    const history = new TrainingHistory(schema);
    history.add([1, 2], 1);
    history.add({ f0: 3, f1: 4 }, 0);
    history.addBatch([Float64Array.of(5, 6)], ["approved"]);
    const rows = history.slice();
    expect([...rows.X]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...rows.y]).toEqual([1, 0, 1]);
    expect(history.size).toBe(3);
    expect(history.labelCounts()).toEqual([1, 2]);
  });

  it("numbers rows from 0 and slices by those numbers", () => {
    const history = new TrainingHistory(schema);
    for (let i = 0; i < 5; i++) history.add([i, i], (i % 2) as 0 | 1);
    const part = history.slice(1, 3);
    expect(part.fromSeq).toBe(1);
    expect([...part.X]).toEqual([1, 1, 2, 2]);
    expect(history.endSeq).toBe(5);
  });

  it("keeps only the most recent rows beyond its capacity", () => {
    const history = new TrainingHistory(schema, 3);
    for (let i = 0; i < 7; i++) history.add([i, -i], 1);
    expect(history.size).toBe(3);
    expect(history.firstSeq).toBe(4);
    expect(history.endSeq).toBe(7);
    expect([...history.slice().X]).toEqual([4, -4, 5, -5, 6, -6]);
    expect(history.capacity).toBe(3);
  });

  it("grows past its first allocation without losing rows", () => {
    const history = new TrainingHistory(schema);
    const X = Array.from({ length: 5000 }, (_, i) => [i, i * 2]);
    history.addBatch(
      X,
      X.map((_, i) => (i % 3 === 0 ? 1 : 0)),
    );
    const rows = history.slice();
    expect(rows.n).toBe(5000);
    expect(rows.X[2 * 4999 + 1]).toBe(9998);
    expect(rows.y[3]).toBe(1);
  });

  it("refuses a row with a bad feature, naming it, and adds nothing", () => {
    const history = new TrainingHistory(schema);
    expect(fieldOf(() => history.add([1, NaN], 1))).toBe("features.f1");
    expect(fieldOf(() => history.add({ f0: 1 }, 1))).toBe("features.f1");
    expect(history.size).toBe(0);
  });

  it("refuses a bad label, naming it, and adds nothing", () => {
    const history = new TrainingHistory(schema);
    expect(fieldOf(() => history.add([1, 1], 7 as never))).toBe("label");
    expect(history.size).toBe(0);
  });

  it("checks a whole batch before adding any of it", () => {
    const history = new TrainingHistory(schema);
    expect(
      fieldOf(() =>
        history.addBatch(
          [
            [1, 1],
            [2, 2],
            [3, "x" as never],
          ],
          [1, 0, 1],
        ),
      ),
    ).toBe("batch.X[2].f1");
    expect(
      fieldOf(() =>
        history.addBatch(
          [
            [1, 1],
            [2, 2],
          ],
          [1, "perhaps"],
        ),
      ),
    ).toBe("batch.y[1]");
    expect(history.size).toBe(0);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(fieldOf(() => new TrainingHistory(schema, 0))).toBe("capacity");
    expect(fieldOf(() => new TrainingHistory(schema, 1.5))).toBe("capacity");
  });
});

describe("a batch of feedback", () => {
  it.each<[unknown, unknown, string]>([
    [[], [], "batch.X"],
    ["rows", [1], "batch.X"],
    [[[1, 1]], 1, "batch.y"],
    [[[1, 1]], [1, 0], "batch.y"],
    [[[1, 1, 1]], [1], "batch.X[0]"],
    [[{ f0: 1, f1: 2, f2: 3 }], [1], "batch.X[0].f2"],
    [[[1, Infinity]], [1], "batch.X[0].f1"],
    [[[1, 1]], [null], "batch.y[0]"],
  ])("%j with labels %j is refused, naming %s", (X, y, name) => {
    expect(fieldOf(() => encodeBatch(schema, X, y))).toBe(name);
  });

  it("is packed row by row with 0/1 labels", () => {
    const batch = encodeBatch(schema, [[1, 2], { f1: 4, f0: 3 }], [true, "rejected"]);
    expect([...batch.X]).toEqual([1, 2, 3, 4]);
    expect([...batch.y]).toEqual([1, 0]);
    expect(batch.n).toBe(2);
  });
});

describe("a row store", () => {
  it("drops the oldest rows of a batch larger than its capacity", () => {
    const store = new RowStore(1, 2);
    store.append(Float64Array.of(1, 2, 3, 4), Uint8Array.of(0, 1, 0, 1));
    expect(store.firstSeq).toBe(2);
    expect([...store.slice().X]).toEqual([3, 4]);
  });

  it("compacts in place when the oldest rows have gone", () => {
    const store = new RowStore(1, 4);
    for (let i = 0; i < 10; i++) store.append(Float64Array.of(i), Uint8Array.of(i % 2));
    expect([...store.slice().X]).toEqual([6, 7, 8, 9]);
    expect([...store.slice().y]).toEqual([0, 1, 0, 1]);
  });

  it("shows its rows without a copy, and copies them for a slice", () => {
    const store = new RowStore(1, 10);
    store.append(Float64Array.of(1, 2, 3), Uint8Array.of(0, 1, 1));
    const view = store.view(1, 3);
    expect([...view.X]).toEqual([2, 3]);
    expect([...view.y]).toEqual([1, 1]);
    const copy = store.slice(1, 3);
    copy.X[0] = 99;
    expect(store.view(1, 2).X[0]).toBe(2);
    view.X[0] = 42;
    expect(store.slice(1, 2).X[0]).toBe(42);
  });

  it("starts numbering where it is told", () => {
    const store = new RowStore(1, 10, 40);
    store.append(Float64Array.of(1), Uint8Array.of(1));
    expect(store.slice(40, 41).n).toBe(1);
    expect(store.endSeq).toBe(41);
    expect(store.slice(0, 10).n).toBe(0);
  });
});
