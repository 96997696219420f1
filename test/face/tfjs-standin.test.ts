// vendor/tfjs stands in for the umbrella @tensorflow/tfjs that face-api's node-wasm build
// requires (see vendor/tfjs/index.js). What it must give face-api: tfjs-core's and
// tfjs-converter's exports from the ONE tfjs-core Human uses, and every chained tensor method
// (without them face-api's descriptor fails with "i.as3D is not a function"). The face engine
// tests (engine, verify, attacks, kiosk/face-api) check the descriptors themselves.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { realpathSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const require = createRequire(join(ROOT, "package.json"));

interface Tensor {
  shape: number[];
  dataSync(): Float32Array;
  dispose(): void;
  [method: string]: unknown;
}
interface Tf {
  tensor(values: number[], shape?: number[]): Tensor;
  setBackend(name: string): Promise<boolean>;
  version: Record<string, string>;
  loadGraphModel: unknown;
  Tensor: { prototype: object };
}

describe("vendor/tfjs, the stand-in for @tensorflow/tfjs", () => {
  it("is what @tensorflow/tfjs resolves to (the 142 MB umbrella is not installed)", () => {
    expect(realpathSync(require.resolve("@tensorflow/tfjs"))).toBe(join(ROOT, "vendor", "tfjs", "index.js"));
  });

  it("chained-ops.js is generated from the installed tfjs-core", () => {
    const run = spawnSync(process.execPath, [join(ROOT, "vendor", "tfjs", "generate.cjs"), "--check"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("uses the same tfjs-core module as Human and the WASM backend (one engine)", () => {
    const fromStandIn = createRequire(join(ROOT, "vendor", "tfjs", "index.js")).resolve("@tensorflow/tfjs-core");
    const human = dirname(require.resolve("@vladmandic/human"));
    const fromHuman = createRequire(join(human, "human.node-wasm.js")).resolve("@tensorflow/tfjs-core");
    const wasm = require.resolve("@tensorflow/tfjs-backend-wasm");
    const fromWasm = createRequire(wasm).resolve("@tensorflow/tfjs-core");
    expect(new Set([fromStandIn, fromHuman, fromWasm].map((p) => realpathSync(p))).size).toBe(1);
  });

  it("puts every chained method on tensors, and they compute", async () => {
    const tf = require("@tensorflow/tfjs") as Tf;
    const { METHODS } = require("./vendor/tfjs/chained-ops.js") as { METHODS: string[] };
    require("@tensorflow/tfjs-backend-cpu");
    await tf.setBackend("cpu");
    expect(METHODS.length).toBeGreaterThanOrEqual(137);
    const missing = METHODS.filter((m) => typeof (tf.Tensor.prototype as Record<string, unknown>)[m] !== "function");
    expect(missing).toEqual([]);
    const t = tf.tensor([1, 2, 3, 4, 5, 6]);
    const cube = (t.as3D as (a: number, b: number, c: number) => Tensor)(1, 2, 3);
    expect(cube.shape).toEqual([1, 2, 3]);
    const diff = (cube.sub as (b: Tensor) => Tensor)(cube);
    expect(Array.from(diff.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const concat = (t.concat as (x: Tensor, axis: number) => Tensor)(t, 0);
    expect(concat.shape).toEqual([12]);
    for (const x of [t, cube, diff, concat]) x.dispose();
  });

  it("exports tfjs-core and tfjs-converter, with the umbrella's version object", () => {
    const tf = require("@tensorflow/tfjs") as Tf;
    expect(typeof tf.tensor).toBe("function");
    expect(typeof tf.loadGraphModel).toBe("function");
    expect(tf.version).toMatchObject({ "tfjs-core": "4.22.0", "tfjs-converter": "4.22.0" });
  });
});
