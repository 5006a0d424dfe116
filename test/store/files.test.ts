import { writeFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StoreWriteError } from "../../src/errors";
import { FeedbackLog } from "../../src/feedback/log";
import {
  exists,
  removeTempFiles,
  setAside,
  storeWriteError,
  tempPathFor,
  writeFileAtomic,
} from "../../src/store/files";
import { VersionRegistry } from "../../src/versions/registry";
import { tempDir } from "./temp-dir";

function failureOf(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

// /sys refuses new files and directories even to root, where chmod would not stop a write.
const sysIsLinux = process.platform === "linux";

describe("store files", () => {
  it("writes a file atomically and leaves no temp file", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "a.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two");
    expect(await readFile(file, "utf8")).toBe("two");
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("removes only temp files", async () => {
    const dir = await tempDir();
    await writeFile(tempPathFor(path.join(dir, "x.json")), "half");
    await writeFile(path.join(dir, "x.json"), "whole");
    await writeFile(path.join(dir, ".hidden"), "kept");
    expect(await removeTempFiles(dir)).toHaveLength(1);
    expect((await readdir(dir)).sort()).toEqual([".hidden", "x.json"]);
  });

  it("removes only the temp files of the files it is told about", async () => {
    const dir = await tempDir();
    const mine = tempPathFor(path.join(dir, "patterns.jsonl"));
    const theirs = tempPathFor(path.join(dir, "feedback.jsonl"));
    await writeFile(mine, "half");
    await writeFile(theirs, "being written");
    expect(await removeTempFiles(dir, "patterns.jsonl")).toEqual([path.basename(mine)]);
    expect(await readdir(dir)).toEqual([path.basename(theirs)]);
  });

  it("sets a damaged file aside under a name that does not overwrite an earlier one", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "versions.json");
    const when = new Date("2026-11-26T17:00:00.000Z");
    await writeFile(file, "first");
    const first = await setAside(file, when);
    await writeFile(file, "second");
    const second = await setAside(file, when);
    expect(first).toBe("versions.json.corrupt-20261126T170000000Z");
    expect(second).toBe("versions.json.corrupt-20261126T170000000Z-1");
    expect(await exists(file)).toBe(false);
    expect(await readFile(path.join(dir, second), "utf8")).toBe("second");
  });

  it.skipIf(!sysIsLinux)("says a directory is not writable when the system refuses (a store under /sys)", async () => {
    await expect(VersionRegistry.open("/sys/pattern-quality-store")).rejects.toThrow(/read-only or not writable/);
    await expect(FeedbackLog.open("/sys/pattern-quality-store")).rejects.toBeInstanceOf(StoreWriteError);
    const error = failureOf(() => writeFileSync("/sys/pattern-quality-file", "x"));
    expect(storeWriteError("/sys/pattern-quality-file", "write", error).message).toMatch(
      /read-only or not writable .*\(EACCES\)/,
    );
  });

  it("says the disk is full on ENOSPC", () => {
    const error = failureOf(() => writeFileSync("/dev/full", "x"));
    expect(storeWriteError("/dev/full", "write", error).message).toBe(
      "cannot write /dev/full: the disk is full (ENOSPC)",
    );
  });

  it("names something in the way on ENOTDIR and a missing directory on ENOENT", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "file"), "x");
    const blocked = failureOf(() => writeFileSync(path.join(dir, "file", "inner"), "x"));
    expect(storeWriteError("p", "write", blocked).message).toMatch(/a file or directory is in the way \(ENOTDIR\)/);
    const missing = failureOf(() => writeFileSync(path.join(dir, "none", "inner"), "x"));
    expect(storeWriteError("p", "write", missing).message).toMatch(/a directory on the path does not exist/);
  });

  it("passes any other system error's message on", () => {
    const error = Object.assign(new Error("input/output error"), { code: "EIO" });
    expect(storeWriteError("p", "read", error).message).toBe("cannot read p: input/output error (EIO)");
    expect(storeWriteError("p", "read", "odd").message).toBe("cannot read p: odd");
  });
});
