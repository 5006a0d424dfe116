/** `pattern-quality feedback …`: the feedback log's counts, and the log as JSON lines. */
import { FeedbackLog } from "../feedback/log";
import { type Context, print, storeMustExist, UsageError, whole, writeExport } from "./context";

/** The feedback commands' lines of the usage text. */
export const FEEDBACK_USAGE = `  feedback stats                                       counts of the feedback log
  feedback export [--from SEQ] [--out FILE]            the feedback log as JSON lines`;

/** Runs one feedback command; resolves with the exit code. */
export async function feedback(command: string | undefined, context: Context): Promise<number> {
  if (command !== "stats" && command !== "export")
    throw new UsageError(`unknown feedback command ${JSON.stringify(command ?? "")}`);
  storeMustExist(context);
  const log = await FeedbackLog.open(context.store, { readOnly: true });
  try {
    for (const problem of log.problems) context.out.stderr(`warning: ${problem.message}\n`);
    if (command === "stats") {
      const stats = log.stats();
      const sources = Object.entries(stats.bySource)
        .map(([source, n]) => `${source}: ${n}`)
        .join(", ");
      return print(
        context,
        stats,
        [
          `records:          ${stats.records} (approved ${stats.approved}, rejected ${stats.rejected})`,
          `seq:              ${stats.firstSeq ?? "-"} … ${stats.watermark}`,
          `received:         ${stats.firstReceivedAt ?? "-"} … ${stats.lastReceivedAt ?? "-"}`,
          `without features: ${stats.withoutFeatures}`,
          `sources:          ${sources || "-"}`,
          `damaged lines:    ${stats.problems}`,
        ].join("\n"),
      );
    }
    const from = context.values.from === undefined ? 0 : whole(context.values.from, "--from");
    const text = [...log.entries(from)].map((record) => `${JSON.stringify(record)}\n`).join("");
    return await writeExport(context, text, { records: log.size });
  } finally {
    await log.close();
  }
}
