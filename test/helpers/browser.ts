// Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core.
// A fake camera plays a .y4m file when one is given.
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(options: { fakeVideo?: string } = {}): Promise<Browser> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ];
  if (options.fakeVideo) {
    args.push(
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${options.fakeVideo}`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}
