import { mkdir, readFile, rm } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StoreWriteError } from "../../src/errors";
import { AppendFile } from "../../src/store/append-file";
import { tempDir } from "./temp-dir";

describe("AppendFile", () => {
  it("acknowledges an append only once it is in the file", async () => {
    const dir = await tempDir();
    const file = await AppendFile.open(path.join(dir, "log"));
    await file.append("one\n");
    expect(await readFile(path.join(dir, "log"), "utf8")).toBe("one\n");
    expect(file.size).toBe(4);
    await file.close();
  });

  it("reports a full disk as a store write error, then refuses further appends", async () => {
    // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does; it
    // cannot be truncated either, so the file is marked broken rather than risk a torn line.
    const file = await AppendFile.open("/dev/full");
    const failed = file.append("a\n");
    await expect(failed).rejects.toBeInstanceOf(StoreWriteError);
    await expect(failed).rejects.toThrow(/disk is full/);
    expect(file.size).toBe(0);
    await expect(file.append("b\n")).rejects.toThrow(/disk is full/);
    await file.close();
  });

  it("drops the bytes before an offset and keeps what is appended after", async () => {
    const dir = await tempDir();
    const file = await AppendFile.open(path.join(dir, "log"));
    const offsets: number[] = [];
    for (const line of ["a\n", "bb\n", "c\n"]) await file.append(line, (offset) => offsets.push(offset));
    expect(offsets).toEqual([0, 2, 5]);
    await file.dropBefore(offsets[1]!);
    await file.append("d\n");
    expect(await readFile(path.join(dir, "log"), "utf8")).toBe("bb\nc\nd\n");
    expect(file.size).toBe(7);
    await file.close();
  });

  it("reports a directory where the file belongs", async () => {
    const dir = await tempDir();
    await expect(AppendFile.open(dir)).rejects.toBeInstanceOf(StoreWriteError);
  });

  it("refuses appends after close", async () => {
    const dir = await tempDir();
    const file = await AppendFile.open(path.join(dir, "log"));
    await file.close();
    await file.close();
    await expect(file.append("x\n")).rejects.toMatchObject({ code: "store-closed" });
  });

  it("reports a compaction that cannot create its new file and keeps appending to the old one", async () => {
    const dir = await tempDir();
    const inner = path.join(dir, "inner");
    await mkdir(inner);
    const file = await AppendFile.open(path.join(inner, "log"));
    await file.append("a\nb\n");
    await rm(inner, { recursive: true });
    await expect(file.dropBefore(2)).rejects.toBeInstanceOf(StoreWriteError);
    await expect(file.compact("b\n", 2)).rejects.toThrow(/cannot compact/);
    await file.append("c\n");
    expect(file.size).toBe(6);
    await file.close();
  });
});
