import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { StoreLockedError, StoreWriteError } from "../../src/errors";
import { processStartTime, StoreLock } from "../../src/store/lock";
import { tempDir } from "./temp-dir";

async function lockFileOf(dir: string, holder: object): Promise<void> {
  await writeFile(path.join(dir, "test.lock"), JSON.stringify({ acquiredAt: "earlier", ...holder }));
}

describe("StoreLock", () => {
  it("takes over a lock whose process has exited", async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ["-e", ""]);
    await once(child, "exit");
    await lockFileOf(dir, { pid: child.pid, processStartedAt: null });
    const lock = await StoreLock.acquire(dir, "test");
    await lock.release();
  });

  it("takes over a lock torn by a crash while it was written", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "test.lock"), '{"pid":');
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("takes over a lock left by an earlier process with this same pid (a restarted container)", async () => {
    const dir = await tempDir();
    await lockFileOf(dir, { pid: process.pid, processStartedAt: 0 });
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("takes over a lock whose pid now belongs to a process that started later", async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"]);
    try {
      await lockFileOf(dir, { pid: child.pid, processStartedAt: 1000 });
      await (await StoreLock.acquire(dir, "test")).release();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses a lock held by a live process, naming the directory and the pid", async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"]);
    try {
      await lockFileOf(dir, { pid: child.pid, processStartedAt: processStartTime(child.pid!) });
      const attempt = StoreLock.acquire(dir, "test");
      await expect(attempt).rejects.toBeInstanceOf(StoreLockedError);
      await expect(attempt).rejects.toMatchObject({ directory: dir, holderPid: child.pid });
      await expect(attempt).rejects.toThrow(new RegExp(`in use by process ${child.pid}`));
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("refuses a second lock on the same directory in one process", async () => {
    const dir = await tempDir();
    const lock = await StoreLock.acquire(dir, "test");
    await expect(StoreLock.acquire(dir, "test")).rejects.toThrow(/already open for writing in this process/);
    await lock.release();
    await lock.release();
    await (await StoreLock.acquire(dir, "test")).release();
  });

  it("reports a directory that does not exist as a store write error", async () => {
    const dir = await tempDir();
    await expect(StoreLock.acquire(path.join(dir, "nowhere"), "test")).rejects.toBeInstanceOf(StoreWriteError);
  });

  it("knows the start time of a running process and not of a missing one", () => {
    const started = processStartTime(process.pid);
    expect(started).not.toBeNull();
    expect(Math.abs(started! - (Date.now() - process.uptime() * 1000))).toBeLessThan(5000);
    expect(processStartTime(2 ** 30)).toBeNull();
  });
});
