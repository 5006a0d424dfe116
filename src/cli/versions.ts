/** `pattern-quality versions …`: list, show, roll back, resume, pin, prune, export and import model versions. */
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { InvalidInputError } from "../errors";
import { readTrialVersions } from "../model/trial-file";
import { storeWriteError } from "../store/files";
import { checkKind } from "../versions/entry";
import type { VersionEntry, VersionRegistry } from "../versions/registry";
import { type TrialPlaces, versionVerdict } from "../versions/verdict";
import { type Context, one, print, share, UsageError, whole, withRegistry, writeExport } from "./context";

/** The versions commands' lines of the usage text. */
export const VERSIONS_USAGE = `  versions list [--kind KIND] [--pinned] [--limit N]   list model versions with their verdicts (* = active)
  versions show <id>                                   one version in full
  versions rollback [<id>|previous] [--reason TEXT]    activate an earlier version (holds automatic activation)
  versions resume                                      end the hold: new versions go live again when judged so
  versions pin <id> | versions unpin <id>              protect a version from prune/delete
  versions prune [--retention N]                       delete versions beyond the newest N
  versions export <id> [--out FILE]                    one version as a JSON file (default: stdout)
  versions import <file>                               add an exported version under a new id`;

/** Runs one versions command; resolves with the exit code. */
export async function versions(command: string | undefined, context: Context): Promise<number> {
  const by = typeof context.values.by === "string" ? context.values.by : `cli:${currentUser()}`;
  switch (command) {
    case "list": {
      const filter: Parameters<VersionRegistry["list"]>[0] = {};
      if (context.values.kind !== undefined) filter.kind = checkKind(context.values.kind, "--kind");
      if (context.values.pinned) filter.pinned = true;
      if (context.values.limit !== undefined) filter.limit = whole(context.values.limit, "--limit");
      return withRegistry(context, false, async (registry) => {
        const places = await trialPlaces(context, registry);
        const list = registry.list(filter).map((entry) => ({ ...entry, verdict: versionVerdict(entry, places) }));
        const hold = registry.hold;
        const table = versionTable(list, registry.activeId, hold?.version ?? null);
        const text = hold
          ? `${table}\nheld at ${hold.version} by ${hold.by} since ${hold.since} (${hold.reason})`
          : table;
        return print(context, { activeId: registry.activeId, hold, versions: list }, text);
      });
    }
    case "show": {
      const id = one(context, "version id");
      return withRegistry(context, false, async (registry) => {
        const entry = registry.get(id);
        const verdict = versionVerdict(entry, await trialPlaces(context, registry));
        const activations = registry.activations().filter((record) => record.to === entry.id);
        return print(
          context,
          { ...entry, verdict, active: registry.activeId === entry.id, activations },
          [
            `${entry.id}${registry.activeId === entry.id ? " (active)" : ""}${entry.pinned ? " (pinned)" : ""}`,
            `  kind:        ${entry.kind}`,
            `  created:     ${entry.createdAt}`,
            `  parent:      ${entry.parentId ?? "-"}`,
            `  trained on:  ${entry.trainedOn.samples} samples, feedback up to #${entry.trainedOn.feedbackWatermark}`,
            `  metrics:     ${
              Object.entries(entry.metrics)
                .map(([k, v]) => `${k}=${v}`)
                .join(" ") || "-"
            }`,
            `  evaluation:  ${
              entry.evaluation
                ? `${share(entry.evaluation.accuracy)} on ${entry.evaluation.samples} new feedback, ` +
                  `beside ${entry.evaluation.against ?? "none"} (${share(entry.evaluation.againstAccuracy)}): ` +
                  `${entry.evaluation.outcome}; kappa ${entry.evaluation.kappa.toFixed(3)}, ` +
                  `Brier ${entry.evaluation.brier.toFixed(3)}, log-loss ${entry.evaluation.logLoss.toFixed(3)}`
                : "not judged yet"
            }`,
            `  verdict:     ${verdict}`,
            `  live:        ${
              entry.live
                ? `${share(entry.live.accuracy)} on ${entry.live.samples} feedback while active, ` +
                  `${entry.live.firstActiveAt ?? "-"} to ${entry.live.lastActiveAt ?? "-"}`
                : "never active"
            }`,
            `  size:        ${entry.sizeBytes} bytes, sha256 ${entry.sha256}`,
            `  note:        ${entry.note ?? "-"}`,
            `  activated:   ${activations.map((r) => `${r.at} by ${r.by} (${r.reason})`).join("; ") || "never"}`,
          ].join("\n"),
        );
      });
    }
    case "rollback": {
      if (context.args.length > 1) throw new UsageError("expected one version id or previous");
      const to = context.args[0] ?? "previous";
      return withRegistry(context, true, async (registry) => {
        const from = registry.activeId;
        const reason =
          typeof context.values.reason === "string" ? context.values.reason : "rollback from the command line";
        const entry = await registry.rollback(to, { reason, by }, { hold: true });
        return print(
          context,
          { from, to: entry.id, hold: registry.hold },
          `active: ${entry.id} (was ${from ?? "none"}); automatic activation held (versions resume ends it)`,
        );
      });
    }
    case "resume":
      return withRegistry(context, true, async (registry) => {
        const hold = registry.hold;
        if (!(await registry.clearHold())) {
          throw new InvalidInputError("hold", "nothing is held: automatic activation is already on");
        }
        return print(
          context,
          { resumed: hold },
          `resumed: automatic activation is on again (was held at ${hold?.version})`,
        );
      });
    case "pin":
    case "unpin": {
      const id = one(context, "version id");
      return withRegistry(context, true, async (registry) => {
        const entry = command === "pin" ? await registry.pin(id) : await registry.unpin(id);
        return print(context, entry, `${entry.id} ${entry.pinned ? "pinned" : "unpinned"}`);
      });
    }
    case "prune":
      return withRegistry(context, true, async (registry) => {
        const result = await registry.prune();
        return print(
          context,
          result,
          result.deleted.length ? `deleted ${result.deleted.join(", ")}` : "nothing to prune",
        );
      });
    case "export": {
      const id = one(context, "version id");
      return withRegistry(context, false, async (registry) => {
        const text = await registry.export(id);
        return writeExport(context, text, { bytes: Buffer.byteLength(text) });
      });
    }
    case "import": {
      const file = one(context, "file");
      return withRegistry(
        context,
        true,
        async (registry) => {
          const text = await readFile(file, "utf8").catch((error: unknown) => {
            throw storeWriteError(file, "read", error);
          });
          const entry = await registry.import(text);
          return print(context, entry, `imported as ${entry.id} (${entry.note})`);
        },
        true,
      );
    }
    default:
      throw new UsageError(`unknown versions command ${JSON.stringify(command ?? "")}`);
  }
}

/** The active version, and the versions on trial and waiting as the store last kept them (a damaged file: a warning). */
async function trialPlaces(context: Context, registry: VersionRegistry): Promise<TrialPlaces> {
  const trials = await readTrialVersions(context.store);
  if (trials.problem) context.out.stderr(`warning: ${trials.problem}; versions on trial are not shown as such\n`);
  return { active: registry.activeId, onTrial: trials.onTrial, waiting: trials.waiting };
}

/** The table's width: a row of figures fits, and a version's verdict and note wrap beneath it to this. */
const TABLE_WIDTH = 100;

/**
 * One row of figures per version, newest first, its verdict and note beneath it under the kind
 * column: they run from a word ("better") to a sentence ("superseded by v0007, a newer version,
 * while it waited"), too long for a column beside the figures within 100 columns.
 */
function versionTable(
  list: Array<VersionEntry & { verdict: string }>,
  activeId: string | null,
  heldId: string | null,
): string {
  if (list.length === 0) return "no versions";
  // Each version's own figures: from its trial on feedback it had not learned, and while active.
  const rows = [["", "id", "kind", "created", "samples", "evaluated", "live", "pinned"]];
  const entries = [...list].reverse();
  for (const entry of entries) {
    rows.push([
      entry.id === heldId ? "*H" : entry.id === activeId ? "*" : "",
      entry.id,
      entry.kind,
      entry.createdAt.slice(0, 19).replace("T", " "),
      String(entry.trainedOn.samples),
      entry.evaluation ? `${share(entry.evaluation.accuracy)} (${entry.evaluation.samples})` : "-",
      entry.live && entry.live.samples > 0 ? `${share(entry.live.accuracy)} (${entry.live.samples})` : "-",
      entry.pinned ? "yes" : "",
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const indent = " ".repeat(widths[0]! + widths[1]! + 4);
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd();
  return [
    line(rows[0]!),
    ...entries.flatMap((entry, i) => [
      line(rows[i + 1]!),
      ...wrap(indent, "verdict", entry.verdict),
      ...(entry.note ? wrap(indent, "note", entry.note) : []),
    ]),
  ].join("\n");
}

/** A labelled detail ("verdict: …") in lines of at most TABLE_WIDTH, its text continued under itself. */
function wrap(indent: string, label: string, text: string): string[] {
  const head = `${label}:`.padEnd("verdict: ".length);
  const room = TABLE_WIDTH - indent.length - head.length;
  const lines: string[][] = [[]];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1)!;
    // A word longer than the room (a path in a note) stands alone on its line rather than being cut.
    if (last.length > 0 && [...last, word].join(" ").length > room) lines.push([word]);
    else last.push(word);
  }
  return lines.map((words, i) => `${indent}${i === 0 ? head : " ".repeat(head.length)}${words.join(" ")}`);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
