// Build step of an installable front end (a Vite plugin; kiosk/verifier/pwa.ts and
// kiosk/wallet/pwa.ts make theirs with it, kiosk/vite.config.ts uses both). After Vite has
// written the pages, it writes into dist/<page>/:
//   manifest.webmanifest   the app's name (Chinese, the default language) and colours
//   icon.svg, icon-192.png, icon-512.png   from the app's drawing (./icon.ts)
//   sw.js                  ./sw.ts with the list of the shell's files and a cache name derived
//                          from their content
// The shell is every built file the app's page reaches: starting from <page>/index.html, any
// built file whose name appears in a file already in the shell (scripts, styles, workers and
// their .wasm), plus the files above. Nothing of the other front ends is cached.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PNG } from "pngjs";
import { transformWithEsbuild, type Plugin } from "vite";
import { iconPixels, iconSvg, type IconDrawing } from "./icon.ts";

export interface PwaOptions {
  /** The app's folder under kiosk/ and under the base path: "verifier" → /ui/verifier/. */
  page: string;
  /** The manifest's name and short name (the home screen's label). */
  name: string;
  shortName: string;
  /** #rrggbb: the splash screen's background and the system bars' colour. */
  backgroundColour: string;
  themeColour: string;
  icon: IconDrawing;
}

const PAGE_NAME = /^[a-z][a-z0-9-]*$/;

function png(icon: IconDrawing, size: number): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.set(iconPixels(icon, size));
  return PNG.sync.write(image);
}

function manifest(options: PwaOptions, shell: string): string {
  const app = {
    id: shell,
    name: options.name,
    short_name: options.shortName,
    lang: "zh-CN",
    start_url: shell,
    scope: shell,
    display: "standalone",
    orientation: "portrait",
    background_color: options.backgroundColour,
    theme_color: options.themeColour,
    icons: [
      { src: "icon.svg", sizes: "any", type: "image/svg+xml" },
      { src: "icon-192.png", sizes: "192x192", type: "image/png" },
      { src: "icon-512.png", sizes: "512x512", type: "image/png" },
      { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
  return `${JSON.stringify(app, null, 2)}\n`;
}

/** The built files the page reaches, by following file names mentioned in text files. */
function shellFiles(page: string, files: Map<string, string | null>): string[] {
  const reached = new Set([page]);
  const queue = [page];
  while (queue.length > 0) {
    const text = files.get(queue.shift()!);
    if (!text) continue; // binary (a .wasm, images): names nothing
    for (const name of files.keys()) {
      if (!reached.has(name) && name.startsWith("assets/") && text.includes(basename(name))) {
        reached.add(name);
        queue.push(name);
      }
    }
  }
  return [...reached];
}

export function pwaPlugin(options: PwaOptions): Plugin {
  if (!PAGE_NAME.test(options.page)) throw new Error(`PWA page "${options.page}": a folder name (lower case, digits, hyphens)`);
  const page = `${options.page}/index.html`;
  const cachePrefix = `onecode-${options.page}-`;
  let base = "/";
  let outDir = "";
  return {
    name: `onecode-${options.page}-pwa`,
    apply: "build",
    configResolved(config) {
      base = config.base;
      outDir = config.build.outDir;
    },
    async writeBundle(_options, bundle) {
      if (!bundle[page]) return; // a build without this app
      const shell = `${base}${options.page}/`;
      const own: Record<string, string | Buffer> = {
        [`${options.page}/manifest.webmanifest`]: manifest(options, shell),
        [`${options.page}/icon.svg`]: iconSvg(options.icon),
        [`${options.page}/icon-192.png`]: png(options.icon, 192),
        [`${options.page}/icon-512.png`]: png(options.icon, 512),
      };
      for (const [name, content] of Object.entries(own)) writeFileSync(join(outDir, name), content);
      const texts = new Map<string, string | null>();
      for (const [name, file] of Object.entries(bundle)) {
        const source = file.type === "chunk" ? file.code : file.source;
        texts.set(name, typeof source === "string" ? source : /\.(js|css|html)$/.test(name) ? new TextDecoder().decode(source) : null);
      }
      const files = [...shellFiles(page, texts), ...Object.keys(own)].sort();
      const hash = createHash("sha256");
      for (const name of files) hash.update(name).update(readFileSync(join(outDir, name)));
      const urls = files.map((name) => (name === page ? shell : `${base}${name}`));
      const source = readFileSync(join(import.meta.dirname, "sw.ts"), "utf8");
      const built = await transformWithEsbuild(source, "sw.ts", {
        loader: "ts",
        format: "iife",
        target: "es2020",
        define: {
          PRECACHE: JSON.stringify(urls),
          CACHE_NAME: JSON.stringify(`${cachePrefix}${hash.digest("hex").slice(0, 16)}`),
          CACHE_PREFIX: JSON.stringify(cachePrefix),
          SHELL: JSON.stringify(shell),
        },
      });
      writeFileSync(join(outDir, options.page, "sw.js"), built.code);
    },
  };
}
