// A faster Concat for tfjs's WASM backend, for the one case the face check hits on every frame:
// face-api's recognition net subtracts its mean RGB by concatenating three [n, 150, 150, 1]
// tensors on the last axis, and tfjs-backend-wasm's Concat (JavaScript, not WASM) copies with one
// subarray() + set() per element row: 67,500 tiny copies a chip, ~2.5 of the ~17 ms CPU a chip
// costs (`npm run bench -- face --time-only`). Last-axis concats of float32 tensors whose pieces
// are at most 16 numbers wide are copied element by element here; every other call goes to
// tfjs's own kernel. The output is the same numbers in the same order (test/face/engine-pool.test.ts).
interface TensorInfo {
  shape: number[];
  dtype: string;
  dataId: object;
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}
interface KernelArgs {
  inputs: TensorInfo[];
  backend: WasmBackend;
  attrs: { axis: number | number[] };
}
interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: (args: KernelArgs) => TensorInfo;
}
export interface TfKernels {
  getKernel(name: string, backend: string): KernelConfig | undefined;
  unregisterKernel(name: string, backend: string): void;
  registerKernel(config: KernelConfig): void;
}

const MAX_PIECE = 16;

/** Installs the fast path once per tfjs instance; returns false when there was no wasm Concat to wrap. */
export function installFastConcat(tf: TfKernels): boolean {
  const original = tf.getKernel("Concat", "wasm");
  if (!original) return false;
  if ((original.kernelFunc as { fastConcat?: true }).fastConcat) return true;
  const kernelFunc = (args: KernelArgs): TensorInfo => {
    const { inputs, backend } = args;
    const first = inputs[0];
    if (!first || inputs.length < 2) return original.kernelFunc(args);
    const rank = first.shape.length;
    const rawAxis = Array.isArray(args.attrs.axis) ? args.attrs.axis[0] : args.attrs.axis;
    const axis = rawAxis !== undefined && rawAxis < 0 ? rank + rawAxis : rawAxis;
    const lead = first.shape.slice(0, -1);
    const fits = (t: TensorInfo) =>
      t.dtype === "float32" && t.shape.length === rank && t.shape[rank - 1]! >= 1 && t.shape[rank - 1]! <= MAX_PIECE && lead.every((d, i) => t.shape[i] === d);
    if (rank < 2 || axis !== rank - 1 || !inputs.every(fits)) return original.kernelFunc(args);
    const widths = inputs.map((t) => t.shape[rank - 1]!);
    const width = widths.reduce((a, b) => a + b, 0);
    const rows = lead.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([...lead, width], "float32");
    if (rows === 0) return out;
    // views taken after makeOutput: allocating may grow (and move) the WASM heap
    const dst = backend.typedArrayFromHeap(out);
    const srcs = inputs.map((t) => backend.typedArrayFromHeap(t));
    let o = 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < srcs.length; i++) {
        const src = srcs[i]!;
        const w = widths[i]!;
        for (let k = r * w, end = k + w; k < end; k++) dst[o++] = src[k]!;
      }
    }
    return out;
  };
  (kernelFunc as { fastConcat?: true }).fastConcat = true;
  tf.unregisterKernel("Concat", "wasm");
  tf.registerKernel({ ...original, kernelFunc });
  return true;
}
