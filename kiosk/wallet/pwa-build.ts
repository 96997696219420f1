// Build step of the installable wallet (a Vite plugin, used by kiosk/vite.config.ts). After Vite
// has written the pages, it writes into dist/wallet/:
//   manifest.webmanifest   name from the dictionary (Chinese, the default language)
//   icon.svg, icon-192.png, icon-512.png   from ./icon.ts
//   sw.js                  ./sw.ts with the list of the shell's files and a cache name derived
//                          from their content
// The shell is every built file the wallet's page reaches (following file names mentioned in
// the page, its scripts and styles), plus the files above; nothing of the other front ends.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { PNG } from "pngjs";
import { transformWithEsbuild, type Plugin } from "vite";
import { zh } from "../i18n/wallet.ts";
import { iconPixels, iconSvg } from "./icon.ts";

const PAGE = "wallet/index.html";

function png(size: number): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.set(iconPixels(size));
  return PNG.sync.write(image);
}

function manifest(shell: string): string {
  const icons = [
    { src: "icon.svg", sizes: "any", type: "image/svg+xml" },
    { src: "icon-192.png", sizes: "192x192", type: "image/png" },
    { src: "icon-512.png", sizes: "512x512", type: "image/png" },
    { src: "icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
  ];
  const app = { id: shell, name: zh["wallet.pageTitle"], short_name: zh["wallet.appName"], lang: "zh-CN", start_url: shell, scope: shell, display: "standalone", orientation: "portrait", background_color: "#f6f4f2", theme_color: "#b3261e", icons };
  return `${JSON.stringify(app, null, 2)}\n`;
}

/** The built files the page reaches, by following file names mentioned in text files. */
function shellFiles(files: Map<string, string | null>): string[] {
  const reached = new Set([PAGE]);
  const queue = [PAGE];
  while (queue.length > 0) {
    const text = files.get(queue.shift()!);
    if (!text) continue;
    for (const name of files.keys()) {
      if (!reached.has(name) && name.startsWith("assets/") && text.includes(basename(name))) {
        reached.add(name);
        queue.push(name);
      }
    }
  }
  return [...reached];
}

export function walletPwa(): Plugin {
  let base = "/";
  let outDir = "";
  return {
    name: "onecode-wallet-pwa",
    apply: "build",
    configResolved(config) {
      base = config.base;
      outDir = config.build.outDir;
    },
    async writeBundle(_options, bundle) {
      if (!bundle[PAGE]) return; // a build without the wallet
      const shell = `${base}wallet/`;
      const own: Record<string, string | Buffer> = {
        "wallet/manifest.webmanifest": manifest(shell),
        "wallet/icon.svg": iconSvg(),
        "wallet/icon-192.png": png(192),
        "wallet/icon-512.png": png(512),
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
        define: { PRECACHE: JSON.stringify(urls), CACHE_NAME: JSON.stringify(`onecode-wallet-${hash.digest("hex").slice(0, 16)}`), SHELL: JSON.stringify(shell) },
      });
      writeFileSync(join(outDir, "wallet", "sw.js"), built.code);
    },
  };
}
