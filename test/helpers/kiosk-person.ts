// The set-up the Chromium tests of the front ends share: the pages built by Vite into a folder of
// the test's own (other engineers rebuild kiosk/dist while tests run, and a half-emptied dist must
// not break a suite), the API on a real port, persons enrolled with a face reference and records
// published through the API's own routes, and a kiosk page in a browser whose fake camera plays
// the shared live video (or the enrolled photo held still), with the face check passed the way a
// person passes it (the challenge is fixed to "turn right" through the test-only boot option).
//
// The API serves the built pages under /ui/ itself (its web feature, pointed at this test's
// folder), with the security headers it gives every page (api/src/edge.ts: the one
// Content-Security-Policy): a page that breaks the policy, or asks for something that is not there
// (a /favicon.ico), shows it in its console as it would in production. (Request interception,
// which these tests used before, hides both: Chromium asks for no favicon while it intercepts.)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { build, type PluginOption } from "vite";
import { faceBytes, REFERENCE_PHOTO } from "../face/data.ts";
import { liveCameraVideo, startWhenLoopBegins, stillCameraVideo } from "../face/fake-camera.ts";
import { buildTestApp, TestClock, type TestApp } from "./app.ts";
import { launchBrowser } from "./browser.ts";
import { passedFaceCheck } from "./face.ts";
import type { BootOptions } from "../../api/src/boot.ts";

export const ROOT = resolve(import.meta.dirname, "..", "..");

/** A TestClock that reads the real time: for a phone whose device proofs are signed by its own clock. */
export class RealTimeClock extends TestClock {
  override now(): Date {
    return new Date();
  }
}

export interface Stage {
  t: TestApp;
  /** The API's origin, which is also the pages' (they are served under /ui/ on it). */
  base: string;
  /** This test's own folder (built pages, camera videos); removed by close(). */
  work: string;
  uiDir: string;
  /** A bearer token of a kiosk device (for the page's #token=). */
  kioskToken(device: string): Promise<string>;
  /** A browser (its camera playing the live person or his photo held still, when named); closed by close(). */
  browser(camera?: "live" | "still"): Promise<Browser>;
  close(): Promise<void>;
}

/** A port free on 127.0.0.1 now (for an origin that must be known before the API starts). */
export const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

/**
 * Builds the pages (name → path under kiosk/, e.g. { kiosk: "index.html" }) and starts the API on a
 * port. `passkeys`: the origin is http://localhost:<port> (a WebAuthn relying party is a domain
 * name, never an address) and the API's public URL is that origin; otherwise http://127.0.0.1.
 */
export async function startStage(options: {
  prefix: string;
  pages: Record<string, string>;
  plugins?: PluginOption[];
  clock?: TestClock;
  boot?: BootOptions;
  passkeys?: boolean;
}): Promise<Stage> {
  const work = mkdtempSync(join(tmpdir(), `onecode-${options.prefix}-`));
  const uiDir = join(work, "ui");
  const input = Object.fromEntries(Object.entries(options.pages).map(([name, path]) => [name, join(ROOT, "kiosk", path)]));
  await build({
    configFile: false,
    root: join(ROOT, "kiosk"),
    base: "/ui/",
    publicDir: false,
    logLevel: "warn",
    plugins: options.plugins ?? [],
    build: { outDir: uiDir, emptyOutDir: true, target: "es2022", rollupOptions: { input } },
  });
  const port = options.passkeys ? await freePort() : 0;
  const config = options.passkeys ? { publicUrl: `http://localhost:${port}`, port } : {};
  const t = await buildTestApp({ clock: options.clock, boot: options.boot, config, uiRoot: uiDir });
  await t.app.listen({ port, host: "127.0.0.1" });
  const listening = (t.app.server.address() as { port: number }).port;
  const base = options.passkeys ? `http://localhost:${listening}` : `http://127.0.0.1:${listening}`;
  const browsers: Browser[] = [];
  return {
    t,
    base,
    work,
    uiDir,
    kioskToken: async (device) => (await t.auth("kiosk", device)).authorization.slice(7),
    async browser(camera) {
      const file = camera ? join(work, `${camera}.y4m`) : undefined;
      if (file && !existsSync(file)) writeFileSync(file, camera === "live" ? liveCameraVideo() : stillCameraVideo());
      const browser = await launchBrowser(file ? { fakeVideo: file } : {});
      browsers.push(browser);
      return browser;
    },
    async close() {
      for (const b of browsers) await b.close().catch(() => {});
      await t.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

const watched = new WeakMap<Page, string[]>();

/**
 * What a page says that a newcomer would see as a fault: console errors (failed loads among them),
 * policy violations, uncaught errors, answers of 400 and above. Collected from the first call on
 * (openKiosk calls it before the page loads); a later call gives the same list.
 */
export function pageFaults(page: Page): string[] {
  const known = watched.get(page);
  if (known) return known;
  const seen: string[] = [];
  watched.set(page, seen);
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error" || /Content Security Policy/.test(m.text())) seen.push(m.text());
  });
  page.on("pageerror", (e) => seen.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400) seen.push(`${r.status()} ${r.url()}`);
  });
  return seen;
}

/** The kiosk page in a new portrait context of `browser`, camera allowed, on its welcome screen. */
export async function openKiosk(
  stage: Stage,
  browser: Browser,
  options: { token: string; viewport?: { width: number; height: number }; query?: string },
): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1080, height: 1920 }, deviceScaleFactor: 1, locale: "zh-CN" });
  await context.grantPermissions(["camera"], { origin: stage.base });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("[kiosk page error]", e.message));
  pageFaults(page);
  await page.goto(`${stage.base}/ui/${options.query ?? ""}#token=${options.token}`);
  await page.waitForSelector("body[data-screen=welcome]");
  return page;
}

/** A phone's size and touch, as the wallet is drawn for first (390×844). */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" } as const;

/** A phone: a mobile context of `browser` with Chromium's virtual platform authenticator (CDP; user verification on). */
export async function phoneContext(browser: Browser, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`[${name} page error]`, e.message));
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page };
}

/** Waits for a screen of the kiosk (or the wallet: both mark body[data-screen][data-busy]) with no step running. */
export const screen = (page: Page, name: string, timeout = 30_000) => page.waitForSelector(`body[data-screen=${name}][data-busy=false]`, { timeout });

/**
 * From the face screen's start button to the records: a capture on a loaded machine can miss the
 * turn, and the kiosk then offers a retry, as it would to a person (up to `attempts`).
 */
export async function passFaceCheck(page: Page, attempts = 3): Promise<void> {
  await page.waitForSelector("[data-test=face-start]", { timeout: 60_000 });
  for (let attempt = 1; ; attempt += 1) {
    await startWhenLoopBegins(page);
    const passed = await Promise.race([
      screen(page, "records", 120_000).then(() => true),
      page.waitForSelector("[data-test=face-retry]", { timeout: 120_000 }).then(() => false),
    ]);
    if (passed) return;
    if (attempt === attempts) throw new Error(`the face check did not pass in ${attempts} attempts: ${(await page.textContent("main"))?.slice(0, 300)}`);
  }
}

/** 本人办理 from the welcome screen to the records: the person's own ID number, then the face check. */
export async function selfVisitToRecords(page: Page, idNumber: string): Promise<void> {
  await page.click("[data-test=start-self]");
  await screen(page, "self");
  await page.fill("[data-test=self-id-input]", idNumber);
  await page.click("[data-test=self-next]");
  await passFaceCheck(page);
}

/** A person enrolled at the registrar's window, with a reference photo (default: the live video's person). */
export async function enrolPerson(t: TestApp, input: { idNumber: string; name: string; photo?: string | null }): Promise<string> {
  const photo = input.photo === undefined ? REFERENCE_PHOTO : input.photo;
  const payload = { idNumber: input.idNumber, name: input.name, ...(photo ? { referencePhoto: Buffer.from(faceBytes(photo)).toString("base64") } : {}) };
  const r = await t.app.inject({ method: "POST", url: "/v1/persons", headers: await t.auth("registrar"), payload });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
}

/** A record published by the credit agency, its fine (obligation 0) paid on `paidOn` when given. */
export async function publishRecord(t: TestApp, body: Record<string, unknown>, paidOn?: string): Promise<string> {
  const agency = await t.auth("credit_agency");
  const r = await t.app.inject({ method: "POST", url: "/v1/records", headers: agency, payload: body });
  expect(r.statusCode, r.body).toBe(201);
  const id = r.json().id as string;
  if (paidOn) {
    const f = await t.app.inject({ method: "POST", url: `/v1/records/${id}/facts`, headers: agency, payload: { kind: "fine_paid", obligationIndex: 0, on: paidOn } });
    expect(f.statusCode, f.body).toBe(201);
  }
  return id;
}

/**
 * A repair application filed by a kiosk for an enterprise by its legal representative, after a
 * face check of his recorded straight in the database (./face.ts: no camera), the credit
 * commitment accepted. Returns the API's answer (status approved for a repairable record).
 */
export async function applyAtKiosk(
  t: TestApp,
  input: { device: string; enterpriseId: string; personId: string; recordIds: string[]; signature?: string },
): Promise<Record<string, unknown>> {
  const face = await passedFaceCheck(t.db.pool, { device: input.device, enterpriseId: input.enterpriseId, personId: input.personId, now: t.clock.now() });
  const filed = await t.app.inject({
    method: "POST",
    url: "/v1/repair-applications",
    headers: await t.auth("kiosk", input.device),
    payload: {
      subjectId: input.enterpriseId,
      recordIds: input.recordIds,
      applicant: { personId: input.personId, capacity: "legal_representative" },
      commitment: { version: "cc-2026-04", accepted: true, signature: input.signature ?? "sha256:c0ffee" },
      faceAssertion: face.assertion,
    },
  });
  expect(filed.statusCode, filed.body).toBeLessThan(300);
  return filed.json() as Record<string, unknown>;
}
