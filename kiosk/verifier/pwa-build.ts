// Build step of the installable verifier (a Vite plugin, used by kiosk/vite.config.ts). After
// Vite has written the pages, it writes into dist/verifier/:
//   manifest.webmanifest   name from the dictionary (Chinese, the default language)
//   icon.svg, icon-192.png, icon-512.png   from ./icon.ts
//   sw.js                  ./sw.ts with the list of the shell's files and a cache name
//                          derived from their content
// The shell is every file the verifier's page reaches: starting from verifier/index.html,
// any built file whose name appears in a file already in the shell (scripts, styles, the
// decoder worker and its .wasm), plus the files above. Nothing of the kiosk or the audit
// console is cached.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PNG } from "pngjs";
import { transformWithEsbuild, type Plugin } from "vite";
import { zh } from "../i18n/verifier.ts";
import { iconPixels, iconSvg } from "./icon.ts";

const PAGE = "verifier/index.html";

function png(size: number): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.set(iconPixels(size));
  return PNG.sync.write(image);
}

function manifest(shell: string): string {
  return `${JSON.stringify(
    {
      id: shell,
      name: zh["verifier.title"],
      short_name: zh["verifier.appName"],
      lang: "zh-CN",
      start_url: shell,
      scope: shell,
      display: "standalone",
      orientation: "portrait",
      background_color: "#f3f5f8",
      theme_color: "#10243e",
      icons: [
        { src: "icon.svg", sizes: "any", type: "image/svg+xml" },
        { src: "icon-192.png", sizes: "192x192", type: "image/png" },
        { src: "icon-512.png", sizes: "512x512", type: "image/png" },
        { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
      ],
    },
    null,
    2,
  )}\n`;
}

/** The built files the page reaches, by following file names mentioned in text files. */
function shellFiles(files: Map<string, string | null>): string[] {
  const reached = new Set([PAGE]);
  const queue = [PAGE];
  while (queue.length > 0) {
    const text = files.get(queue.shift()!);
    if (!text) continue; // binary (the .wasm, images): names nothing
    for (const name of files.keys()) {
      if (!reached.has(name) && name.startsWith("assets/") && text.includes(basename(name))) {
        reached.add(name);
        queue.push(name);
      }
    }
  }
  return [...reached];
}

export function verifierPwa(): Plugin {
  let base = "/";
  let outDir = "";
  return {
    name: "onecode-verifier-pwa",
    apply: "build",
    configResolved(config) {
      base = config.base;
      outDir = config.build.outDir;
    },
    async writeBundle(_options, bundle) {
      if (!bundle[PAGE]) return; // a build without the verifier
      const shell = `${base}verifier/`;
      const own: Record<string, string | Buffer> = {
        "verifier/manifest.webmanifest": manifest(shell),
        "verifier/icon.svg": iconSvg(),
        "verifier/icon-192.png": png(192),
        "verifier/icon-512.png": png(512),
      };
      for (const [name, content] of Object.entries(own)) writeFileSync(join(outDir, name), content);
      const texts = new Map<string, string | null>();
      for (const [name, file] of Object.entries(bundle)) {
        const source = file.type === "chunk" ? file.code : file.source;
        texts.set(name, typeof source === "string" ? source : /\.(js|css|html)$/.test(name) ? new TextDecoder().decode(source) : null);
      }
      const files = [...shellFiles(texts), ...Object.keys(own)].sort();
      const hash = createHash("sha256");
      for (const name of files) hash.update(name).update(readFileSync(join(outDir, name)));
      const urls = files.map((name) => (name === PAGE ? shell : `${base}${name}`));
      const source = readFileSync(join(import.meta.dirname, "sw.ts"), "utf8");
      const built = await transformWithEsbuild(source, "sw.ts", {
        loader: "ts",
        format: "iife",
        target: "es2020",
        define: { PRECACHE: JSON.stringify(urls), CACHE_NAME: JSON.stringify(`onecode-verifier-${hash.digest("hex").slice(0, 16)}`), SHELL: JSON.stringify(shell) },
      });
      writeFileSync(join(outDir, "verifier", "sw.js"), built.code);
    },
  };
}
