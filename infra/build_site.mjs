// The deployable site (SITE BUILD, docs/ARCHITECTURE.md): `node infra/build_site.mjs [outdir]`,
// run by `python -m infra.build_site`. Writes into outdir (default build/site/):
//   index.html, officer/index.html   the pages, rewritten to load the assets below
//   assets/<name>-<hash>.js|.css     content-hashed bundles (esbuild, minified): each page's
//                                    modules with Leaflet's ES module build, chunks the two pages
//                                    share, the cluster Web Worker, lang.js, each page's CSS
//                                    (Leaflet's first, then the page's own)
//   assets/leaflet-<hash>/           Leaflet's images, one hashed folder: Leaflet finds its
//                                    marker icons by stripping the file name from a CSS url()
// and build/site-assets.json beside it (not deployed): each page's assets, for the benchmark.
// config.json is not part of the build: the deployment (or make run) writes it.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const SITE = path.join(ROOT, "static_site");
const SHIMS = path.join(ROOT, "infra", "site_shims");
const LEAFLET = path.join(ROOT, "node_modules", "leaflet", "dist");
const ASSETS = "assets";
const PAGES = ["index.html", "officer/index.html"];

const hash = (/** @type {Buffer[]} */ parts) => {
  const digest = createHash("sha256");
  for (const part of parts) digest.update(part);
  return digest.digest("base64url").replace(/[-_]/g, "").slice(0, 10).toUpperCase();
};

/** Leaflet's images into one folder named after their content. */
async function copyLeafletImages(out) {
  const source = path.join(LEAFLET, "images");
  const names = (await fs.readdir(source)).sort();
  const contents = await Promise.all(names.map((n) => fs.readFile(path.join(source, n))));
  const folder = `leaflet-${hash(names.flatMap((n, i) => [Buffer.from(n), contents[i]]))}`;
  await fs.mkdir(path.join(out, ASSETS, folder), { recursive: true });
  await Promise.all(names.map((n, i) => fs.writeFile(path.join(out, ASSETS, folder, n), contents[i])));
  return folder;
}

/** engine.js's side-effect import of the vendored UMD bundle → supercluster's ES module. */
const superclusterShim = {
  name: "supercluster-shim",
  setup(build) {
    build.onResolve({ filter: /vendor\/supercluster\/supercluster\.min\.js$/ },
      () => ({ path: path.join(SHIMS, "supercluster.js") }));
  },
};

/** Each page's stylesheets, in the page's order, as one CSS entry ("virtual:<page>.css"). */
function cssEntries(sheets, leafletFolder) {
  return {
    name: "page-css",
    setup(build) {
      build.onResolve({ filter: /^virtual:/ }, (args) => ({ path: args.path, namespace: "page-css" }));
      build.onLoad({ filter: /.*/, namespace: "page-css" }, (args) => ({
        contents: sheets.get(args.path).map((file) => `@import ${JSON.stringify(file)};`).join("\n"),
        resolveDir: ROOT,
        loader: "css",
      }));
      // Leaflet's images: the hashed folder, kept as URLs (not bundled file by file).
      build.onLoad({ filter: /leaflet[\\/]dist[\\/]leaflet\.css$/ }, async (args) => ({
        contents: (await fs.readFile(args.path, "utf8"))
          .replaceAll("url(images/", `url(${leafletFolder}/`),
        loader: "css",
      }));
    },
  };
}

/** The page's local stylesheets and scripts, as written in its HTML. */
function referencesOf(html) {
  const sheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]);
  const scripts = [...html.matchAll(/<script(?: type="module")? src="([^"]+)"><\/script>/g)]
    .map((m) => m[1]);
  return { sheets, scripts };
}

/** A page's reference to a source file → that file's path (vendored Leaflet → node_modules). */
function sourceOf(page, reference) {
  const file = path.resolve(path.dirname(path.join(SITE, page)), reference);
  const vendored = path.join(SITE, "vendor", "leaflet");
  return file.startsWith(vendored + path.sep) ? path.join(LEAFLET, path.relative(vendored, file)) : file;
}

const COMMON = {
  bundle: true,
  minify: true,
  target: ["es2022"],
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
  metafile: true,
  write: true,
};

/** The built file of an entry point (metafile outputs), relative to out/assets. */
function outputOf(result, entry, out) {
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint === entry) return path.relative(path.join(out, ASSETS), path.resolve(ROOT, file));
  }
  throw new Error(`esbuild wrote nothing for ${entry}`);
}

export async function buildSite(out) {
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(path.join(out, ASSETS), { recursive: true });
  const assets = path.join(out, ASSETS);
  const rel = (file) => path.relative(ROOT, file).split(path.sep).join("/");
  const leafletFolder = await copyLeafletImages(out);

  // The cluster Web Worker first: the map's bundle names its hashed file.
  const worker = await esbuild.build({
    ...COMMON, entryPoints: [path.join(SITE, "cluster-worker.js")], outdir: assets,
    entryNames: "[name]-[hash]", format: "esm", plugins: [superclusterShim],
  });
  const workerFile = outputOf(worker, rel(path.join(SITE, "cluster-worker.js")), out);

  const pages = new Map();
  for (const page of PAGES) {
    const html = await fs.readFile(path.join(SITE, page), "utf8");
    pages.set(page, { html, ...referencesOf(html) });
  }
  const classic = new Set(); // scripts that are no modules (lang.js): own IIFE bundles
  const modules = new Set();
  /** @type {Map<string, string[]>} */
  const sheets = new Map();
  for (const [page, { html, sheets: hrefs, scripts }] of pages) {
    sheets.set(`virtual:${page.replace(/\/?index\.html$/, "") || "map"}.css`,
      hrefs.map((href) => sourceOf(page, href)));
    for (const src of scripts) {
      const file = sourceOf(page, src);
      if (file.startsWith(LEAFLET)) continue; // bundled with the modules
      (html.includes(`<script type="module" src="${src}">`) ? modules : classic).add(file);
    }
  }
  const pagesJs = await esbuild.build({
    ...COMMON, entryPoints: [...modules], outdir: assets, entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]", format: "esm", splitting: true,
    inject: [path.join(SHIMS, "leaflet.js")], plugins: [superclusterShim],
    define: { "globalThis.KMZB_CLUSTER_WORKER": JSON.stringify(`./${workerFile}`) },
  });
  const scripts = await esbuild.build({
    ...COMMON, entryPoints: [...classic], outdir: assets, entryNames: "[name]-[hash]", format: "iife",
  });
  const css = await esbuild.build({
    ...COMMON, entryPoints: [...sheets.keys()].map((entry) =>
      ({ in: entry, out: entry.slice("virtual:".length, -".css".length) })),
    outdir: assets, entryNames: "[name]-[hash]", external: [`${leafletFolder}/*`],
    plugins: [cssEntries(sheets, leafletFolder)],
  });

  const report = {};
  for (const [page, { html, sheets: hrefs, scripts: srcs }] of pages) {
    const up = "../".repeat(page.split("/").length - 1);
    const asset = (name) => `${up}${ASSETS}/${name}`;
    const cssName = outputOf(css, `page-css:virtual:${page.replace(/\/?index\.html$/, "") || "map"}.css`, out);
    let built = html;
    hrefs.forEach((href, i) => {
      built = built.replace(`<link rel="stylesheet" href="${href}">\n`,
        i === 0 ? `<link rel="stylesheet" href="${asset(cssName)}">\n` : "");
    });
    const loaded = [cssName];
    for (const src of srcs) {
      const file = sourceOf(page, src);
      const tag = new RegExp(`[ \\t]*<script(?: type="module")? src="${src.replace(/[.]/g, "\\.")}"></script>\\n`);
      if (file.startsWith(LEAFLET)) {
        built = built.replace(tag, "");
        continue;
      }
      const entry = rel(file);
      const isModule = modules.has(file);
      const name = outputOf(isModule ? pagesJs : scripts, entry, out);
      loaded.push(name);
      let replacement = isModule
        ? `  <script type="module" src="${asset(name)}"></script>\n`
        : `  <script src="${asset(name)}"></script>\n`;
      if (isModule) {
        // The chunks it imports, fetched at once rather than after the bundle is parsed.
        const meta = pagesJs.metafile.outputs[path.relative(ROOT, path.join(assets, name))];
        const chunks = meta.imports.filter((i) => i.kind === "import-statement").map((i) =>
          path.relative(assets, path.resolve(ROOT, i.path)));
        loaded.push(...chunks);
        replacement = chunks.map((c) => `  <link rel="modulepreload" href="${asset(c)}">\n`).join("")
          + replacement;
        if (meta.imports.some((i) => i.path.includes("cluster-worker"))) loaded.push(workerFile);
      }
      built = built.replace(tag, replacement);
    }
    if (built.includes("vendor/")) throw new Error(`${page} still names a vendor/ file`);
    await fs.mkdir(path.dirname(path.join(out, page)), { recursive: true });
    await fs.writeFile(path.join(out, page), built);
    report[page] = loaded.map((name) => `${ASSETS}/${name}`);
  }
  if (pagesJs.outputFiles || !(await fs.stat(path.join(assets, workerFile))).isFile()) {
    throw new Error("the worker was not written");
  }
  report.worker = `${ASSETS}/${workerFile}`;
  return report;
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? "")) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, "build", "site"));
  const report = await buildSite(out);
  await fs.writeFile(path.join(path.dirname(out), `${path.basename(out)}-assets.json`),
    `${JSON.stringify(report, null, 2)}\n`);
  for (const [page, files] of Object.entries(report)) {
    console.log(`${page}: ${[].concat(files).join(", ")}`);
  }
}
