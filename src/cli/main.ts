#!/usr/bin/env node
// The `nngts` command: `nngts cat ...` (nngcat-compatible) and `nngts perf <mode> ...` (NNG's perf tools).
import { readFileSync } from "node:fs";
import { runCat } from "./cat.js";
import { CAT_HELP } from "./cat-help.js";
import { type CatConfig, CatHelp, CatUsageError, CatVersion, parseCatArgs } from "./cat-options.js";
import { exitAfterFlush, Fatal, writeOut } from "./fatal.js";
import { PERF_HELP, runPerf } from "./perf.js";

const HELP = `Usage: nngts <command> [<args>...]

Commands:
  cat   send and receive messages, as NNG's nngcat (nngts cat --help)
  perf  NNG's performance tools: local_thr remote_thr local_lat remote_lat inproc_thr inproc_lat

Options:
  --help, -h      this text
  --version, -V   the nngts version
`;

function version(): string {
  // dist/src/cli/main.js -> package.json at the package root
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function cat(args: string[]): Promise<number> {
  let config: CatConfig;
  try {
    config = parseCatArgs(args);
  } catch (e) {
    if (e instanceof CatHelp) {
      await writeOut(CAT_HELP);
      return 1; // as nngcat
    }
    if (e instanceof CatVersion) {
      await writeOut(`${version()}\n`);
      return 0;
    }
    if (e instanceof CatUsageError) throw new Fatal(e.message);
    throw e;
  }
  await runCat(config);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "cat":
      return cat(args);
    case "perf":
      if (args[0] === "--help" || args[0] === "-h") {
        await writeOut(PERF_HELP);
        return 0;
      }
      await runPerf(args);
      return 0;
    case "--version":
    case "-V":
      await writeOut(`${version()}\n`);
      return 0;
    case "--help":
    case "-h":
      await writeOut(HELP);
      return 0;
    default:
      process.stderr.write(command === undefined ? HELP : `Unknown command ${command}.\n${HELP}`);
      return 1;
  }
}

function failed(e: unknown): void {
  if (e instanceof Fatal) {
    process.stderr.write(`${e.message}\n`);
    exitAfterFlush(e.code);
    return;
  }
  // A bug of ours: say so in one line, never a stack trace (NNGTS_DEBUG=1 shows it).
  process.stderr.write(`nngts: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.NNGTS_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ""}\n`);
  process.exit(70);
}

// A reader that went away (`nngts cat ... | head -1`) ends the tool quietly, as SIGPIPE ends nngcat.
process.stdout.on("error", (e: NodeJS.ErrnoException) => process.exit(e.code === "EPIPE" ? 141 : 1));
process.on("uncaughtException", failed);
process.on("unhandledRejection", failed);
main(process.argv.slice(2)).then(exitAfterFlush, failed);
