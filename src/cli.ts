#!/usr/bin/env node
/**
 * `pattern-quality`: inspect and manage a store directory from a shell (also inside the Home
 * Assistant add-on): model versions, the feedback log, and the benchmark. This file is the
 * dispatcher; each command lives in `cli/`.
 */
import { parseArgs } from "node:util";
import { BENCH_USAGE, runBench } from "./cli/bench";
import { type CliOutput, type Context, UsageError } from "./cli/context";
import { FEEDBACK_USAGE, feedback } from "./cli/feedback";
import { SUGGEST_USAGE, suggest } from "./cli/suggest";
import { VERSIONS_USAGE, versions } from "./cli/versions";
import { PatternQualityError } from "./errors";

export type { CliOutput } from "./cli/context";
export { packageRoot } from "./cli/bench";

/** Commands that take their own arguments (no store): name → runner. */
const STANDALONE: Record<string, (args: string[], out: CliOutput, env: NodeJS.ProcessEnv) => Promise<number>> = {
  bench: (args, out) => runBench(args, out),
  suggest,
};

/** Commands on a store directory: group → runner of its subcommands. */
const ON_STORE: Record<string, (command: string | undefined, context: Context) => Promise<number>> = {
  versions,
  feedback,
};

export const USAGE = `usage: pattern-quality <command> [options]

commands:
${VERSIONS_USAGE}
${FEEDBACK_USAGE}
${BENCH_USAGE}
${SUGGEST_USAGE}

options:
  --store DIR   the store directory (default: $PATTERN_QUALITY_STORE)
  --json        machine-readable output (errors too, with a stable code)
  -h, --help    this text

Commands that change the store need it to be free: stop Node-RED first (or use the
model-version node). Exit codes: 0 ok, 1 error, 2 usage.`;

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs one command; resolves with the exit code (0 ok, 1 error, 2 usage). Never rejects. */
export async function main(argv: string[], out: CliOutput = processOutput, env = process.env): Promise<number> {
  try {
    const standalone = STANDALONE[argv[0] ?? ""];
    if (standalone && Object.hasOwn(STANDALONE, argv[0] as string)) return await standalone(argv.slice(1), out, env);
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        store: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        kind: { type: "string" },
        pinned: { type: "boolean" },
        limit: { type: "string" },
        reason: { type: "string" },
        by: { type: "string" },
        out: { type: "string" },
        from: { type: "string" },
        retention: { type: "string" },
      },
    });
    if (values.help) {
      out.stdout(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError("no command");
    const store = values.store ?? env.PATTERN_QUALITY_STORE;
    if (!store) throw new UsageError("no store directory: pass --store DIR or set PATTERN_QUALITY_STORE");
    const [group, command, ...rest] = positionals;
    const run = Object.hasOwn(ON_STORE, group as string) ? ON_STORE[group as string] : undefined;
    if (!run) throw new UsageError(`unknown command ${JSON.stringify(group)}`);
    return await run(command, { store, json: values.json, values, args: rest, out });
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      out.stderr(`pattern-quality: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const message = error instanceof PatternQualityError ? error.message : String((error as Error)?.message ?? error);
    const code = error instanceof PatternQualityError ? error.code : "error";
    // Scripts asking for --json get the error as JSON too, with the stable code to branch on.
    out.stderr(
      argv.includes("--json") ? `${JSON.stringify({ error: { code, message } })}\n` : `pattern-quality: ${message}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
