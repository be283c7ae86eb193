// Bundles the browser entry (core, every protocol, ws over the global WebSocket, inproc) into
// dist/browser/nngts.js. Fails if anything pulls in a Node built-in.
import { builtinModules } from "node:module";
import { statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import * as esbuild from "esbuild";

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Refuses every import of a Node built-in, with the importer named. */
const noNodeBuiltins = {
  name: "no-node-builtins",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (builtins.has(args.path) || args.path.startsWith("node:")) {
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}: not allowed in the browser build` }] };
      }
      return undefined;
    });
  },
};

const outfile = process.argv[3] ?? "dist/browser/nngts.js";
await esbuild.build({
  entryPoints: [process.argv[2] ?? "src/browser.ts"],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  plugins: [noNodeBuiltins],
  logLevel: "warning",
});
const bytes = statSync(outfile).size;
const gz = gzipSync(readFileSync(outfile)).length;
console.log(`${outfile}: ${bytes} bytes minified, ${gz} bytes gzipped`);
