// Builds the front end of `sumchain serve` into src/sumchain/web/static/ (or the folder given with --out).
//
// Every frontend/src/<page>/main.ts but shared/ and app/ is a page: bundled alone to <page>.js (and
// <page>.css when it imports CSS). app/main.ts, the page switch, is bundled last to app.js, told
// which pages exist and which have CSS. public/ (index.html, style.css) is copied as is. The output
// folder is emptied first: it holds only what this script writes, so a rebuild from source can be
// compared with the shipped files byte for byte (tests/web/test_assets.py). Minified, no source
// maps, no timestamps: the same sources and the same pinned esbuild give the same bytes.
import * as esbuild from "esbuild";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const out = outAt >= 0 ? resolve(args[outAt + 1]) : resolve(here, "../src/sumchain/web/static");
const src = join(here, "src");
const NOT_PAGES = new Set(["shared", "app"]);

const common = {
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  platform: "browser",
  legalComments: "none",
  charset: "utf8",
  sourcemap: false,
  logLevel: "warning",
  absWorkingDir: here,
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const pages = {};
const names = readdirSync(src, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !NOT_PAGES.has(entry.name) && existsSync(join(src, entry.name, "main.ts")))
  .map((entry) => entry.name)
  .sort();
for (const name of names) {
  await esbuild.build({ ...common, entryPoints: [{ in: join(src, name, "main.ts"), out: name }], outdir: out });
  pages[name] = { css: existsSync(join(out, `${name}.css`)) };
}
await esbuild.build({
  ...common,
  entryPoints: [{ in: join(src, "app", "main.ts"), out: "app" }],
  outdir: out,
  define: { __PAGES__: JSON.stringify(pages) },
});
cpSync(join(here, "public"), out, { recursive: true });
console.log(`built ${["app", ...names].join(", ")} into ${out}`);
