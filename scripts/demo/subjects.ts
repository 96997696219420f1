// Demo subjects for `npm start`: a few persons and enterprises with their legal
// representatives, enrolled once through the registrar's routes. scripts/start.ts calls
// this first, then the credit demo (./credit.ts) for the enterprises it returns.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { residentIdCheckChar, usccCheckChar } from "../../protocol/identifiers.ts";
import { framesToY4m } from "../lib/y4m.ts";
import { demoCaller, type DemoTarget } from "./api.ts";

export interface DemoSubjects {
  persons: Array<{ id: string; name: string; idNumber: string }>;
  enterprises: Array<{ id: string; name: string; uscc: string; legalRepresentativeId: string }>;
}

const id = (first17: string) => first17 + residentIdCheckChar(first17);
const uscc = (first17: string) => first17 + usccCheckChar(first17);

export const DEMO_PERSONS = [
  { name: "张小三", idNumber: id("44060419850312001") },
  { name: "李晓梅", idNumber: id("44060419900721002") },
  { name: "王建国", idNumber: id("44060419780105003") },
  { name: "陈志强", idNumber: id("44060419881130005") },
];

/** `rep`: index in DEMO_PERSONS of the legal representative. */
export const DEMO_ENTERPRISES = [
  { name: "佛山市禅城区示例贸易有限公司", uscc: uscc("91440604MA4UDEM01"), rep: 0 },
  { name: "佛山市南庄陶瓷制品有限公司", uscc: uscc("91440604MA4UDEM02"), rep: 1 },
  { name: "佛山市祖庙餐饮管理有限公司", uscc: uscc("91440604MA4UDEM03"), rep: 3 },
];

/** Enrols the demo subjects unless any subject exists already (then returns null). */
export async function seedDemoSubjects(target: DemoTarget): Promise<DemoSubjects | null> {
  const existing = await target.ctx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM subjects");
  if (existing.rows[0]!.n > 0) return null;
  const registrar = await demoCaller(target, "registrar");
  const persons: DemoSubjects["persons"] = [];
  for (const p of DEMO_PERSONS) {
    const enrolled = await registrar.post<{ id: string }>("/v1/persons", { idNumber: p.idNumber, name: p.name });
    persons.push({ id: enrolled.id, ...p });
  }
  const enterprises: DemoSubjects["enterprises"] = [];
  for (const e of DEMO_ENTERPRISES) {
    const input = { uscc: e.uscc, name: e.name, legalRepresentativeId: persons[e.rep]!.id };
    const enrolled = await registrar.post<{ id: string }>("/v1/enterprises", input);
    enterprises.push({ id: enrolled.id, ...input });
  }
  return { persons, enterprises };
}

// The demo face: the reference photo of the person in the shared live video (../shared/faces,
// real photos under their projects' licences, never copied into the repository) enrolled for
// the first demo person, so the kiosk's face check can be tried at once with a fake camera
// playing that video. Found like the tests find it (test/face/data.ts): ONECODE_FACES_DIR, else
// shared/faces walking up from the repository; absent, the demo goes on without a face.
export const DEMO_FACE_PHOTO = "face-recognition/lin_manuel_miranda/img1.jpg";
const REPO_ROOT = resolve(import.meta.dirname, "..", "..");

export function findFacesDir(env: NodeJS.ProcessEnv = process.env, from = REPO_ROOT): { dir: string | null; looked: string[] } {
  const looked: string[] = [];
  if (env.ONECODE_FACES_DIR) {
    if (existsSync(join(env.ONECODE_FACES_DIR, "README.md"))) return { dir: resolve(env.ONECODE_FACES_DIR), looked };
    looked.push(`ONECODE_FACES_DIR=${env.ONECODE_FACES_DIR}`);
  }
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "faces");
    if (existsSync(join(candidate, "README.md"))) return { dir: candidate, looked };
    looked.push(candidate);
    if (dirname(dir) === dir) break;
  }
  return { dir: null, looked };
}

export type DemoFace =
  | { status: "enrolled" | "present"; personName: string; idNumber: string; camera: string | null }
  | { status: "absent"; looked: string[] }
  | { status: "failed"; reason: string };

/**
 * Enrols the demo face for the first demo person unless they have one (a restart), and writes
 * the live video as a fake-camera file (DATA_DIR/demo-camera.y4m) for Chromium.
 */
export async function seedDemoFace(target: DemoTarget, dataDir: string, env: NodeJS.ProcessEnv = process.env, from = REPO_ROOT): Promise<DemoFace> {
  const demo = DEMO_PERSONS[0]!;
  const person = (
    await target.ctx.db.pool.query<{ id: string; has: boolean }>(
      "SELECT s.id, EXISTS (SELECT 1 FROM face_references f WHERE f.person_id = s.id) AS has FROM subjects s WHERE s.kind = 'person' AND s.identifier = $1",
      [demo.idNumber],
    )
  ).rows[0];
  if (!person) return { status: "failed", reason: "no demo person is enrolled" };
  const { dir, looked } = findFacesDir(env, from);
  if (!dir) return { status: "absent", looked };
  const camera = join(dataDir, "demo-camera.y4m");
  if (!existsSync(camera)) {
    const frames = readdirSync(join(dir, "video", "live-frames")).filter((f) => /^f\d+\.jpg$/.test(f)).sort();
    // Facing the camera, then turning to the person's right and back: the clip's own frames (test/face/fake-camera.ts).
    const loop = [20, 21, 22, 23, 29, 30, 31, 32, ...Array.from({ length: 20 }, (_, i) => i)].filter((i) => i < frames.length);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(camera, framesToY4m(loop.map((i) => new Uint8Array(readFileSync(join(dir, "video", "live-frames", frames[i]!)))), { width: 640, height: 480, fps: 10 }));
  }
  if (person.has) return { status: "present", personName: demo.name, idNumber: demo.idNumber, camera };
  const registrar = await demoCaller(target, "registrar");
  const photo = readFileSync(join(dir, DEMO_FACE_PHOTO)).toString("base64");
  try {
    await registrar.put(`/v1/persons/${person.id}/face-reference`, { photo });
  } catch (error) {
    return { status: "failed", reason: (error as Error).message };
  }
  return { status: "enrolled", personName: demo.name, idNumber: demo.idNumber, camera };
}
