// Checks what `npm publish` would ship: the file list, then publint and attw on the real tarball.
// Run after a build (`npm run build`), e.g. `npm run check:package`. Exits non-zero on any problem.
// `--files-only` skips publint and attw (what test/package.test.ts runs inside `npm test`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

class Done {}
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

/** Every packed file must match one of these. */
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/, /^dist\/src\/.+\.(js|d\.ts|js\.map)$/];
/** And these must be there. */
const REQUIRED = ["package.json", "README.md", "LICENSE", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/browser.js", "dist/src/browser.d.ts"];

const filesOnly = process.argv.includes("--files-only");
const problems = [];
const dir = mkdtempSync(join(tmpdir(), "nngts-pack-"));
try {
  // --ignore-scripts: packing must not rebuild (the `prepare` script would wipe dist/ under running tests).
  const [pack] = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir]));
  const files = pack.files.map((f) => f.path);
  for (const f of files) if (!ALLOWED.some((re) => re.test(f))) problems.push(`does not belong in the package: ${f}`);
  for (const f of REQUIRED) if (!files.includes(f)) problems.push(`missing from the package: ${f}`);
  for (const f of files.filter((f) => f.endsWith(".js"))) {
    if (!files.includes(`${f}.map`)) problems.push(`no source map for ${f}`);
    if (!files.includes(f.replace(/\.js$/, ".d.ts"))) problems.push(`no declarations for ${f}`);
  }
  // Source maps must carry their sources: src/*.ts is not shipped.
  const map = JSON.parse(readFileSync(join(root, "dist/src/index.js.map"), "utf8"));
  if (!Array.isArray(map.sourcesContent) || map.sourcesContent.length === 0) problems.push("source maps lack sourcesContent (inlineSources)");
  console.log(`package: ${files.length} files, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked`);

  const tarball = join(dir, pack.filename);
  if (filesOnly) throw new Done();
  try {
    console.log(run(bin("publint"), ["run", tarball, "--strict"]).trim());
  } catch (e) {
    problems.push(`publint failed:\n${e.stdout ?? e.message}`);
  }
  try {
    console.log(run(bin("attw"), [tarball, "--profile", "esm-only", "--no-emoji", "--no-color"]).trim());
  } catch (e) {
    problems.push(`attw failed:\n${e.stdout ?? e.message}`);
  }
} catch (e) {
  if (!(e instanceof Done)) throw e;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("package ok");
