// The browser front ends, built once into kiosk/dist and served by the API:
//   /kiosk/     the self-service kiosk (一体机)
//   /verifier/  the officials' code verifier (an installable app: ./verifier/pwa.ts, with
//               the shared ./lib/pwa/ build step writing its service worker, manifest and icons)
//   /audit/     the auditors' console
//   /wallet/    the holder's wallet (an installable app: ./wallet/pwa.ts, the same way)
//   /publicity/ the public credit page (no sign-in; not kiosk/public/, which Vite takes for static files)
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import { defineConfig } from "vite";
import { verifierPwa } from "./verifier/pwa.ts";
import { walletPwa } from "./wallet/pwa.ts";

const root = import.meta.dirname;
const pages = ["index.html", "verifier/index.html", "audit/index.html", "publicity/index.html", "wallet/index.html", "backoffice/index.html"].filter((p) => existsSync(resolve(root, p)));

export default defineConfig({
  root,
  base: "/ui/",
  plugins: [verifierPwa(), walletPwa()],
  build: {
    outDir: resolve(root, "dist"),
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: Object.fromEntries(pages.map((p) => [p.replace(/\/?index\.html$/, "") || "kiosk", resolve(root, p)])) },
  },
});
