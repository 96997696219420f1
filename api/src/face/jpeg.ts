// Minimal baseline JPEG decoder (pure TypeScript), for kiosk frames and enrolment photos.
//
// Supports what browsers' canvas.toBlob('image/jpeg') and cameras produce in the common case:
// baseline / extended sequential Huffman DCT (SOF0, SOF1), 8-bit, 1 or 3 components, any
// sampling factors, restart intervals, interleaved and non-interleaved scans.
// Refuses (throws) progressive (SOF2), lossless, arithmetic coding and CMYK: the caller maps
// that to a 400. EXIF orientation is ignored (kiosk frames come from a canvas, without EXIF).
//
// If the project later adds `jpeg-js` as a dependency, this file can be replaced by it.

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major */
  data: Uint8Array;
}

const ZIGZAG = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
]);

/** cos table for the separable 8-point IDCT: COS[x*8+u] = C(u)/2 * cos((2x+1)uπ/16) */
const COS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) {
      const c = u === 0 ? Math.SQRT1_2 : 1;
      t[x * 8 + u] = (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return t;
})();

interface Huffman {
  /** lookup by (length, code): maxcode[l] = largest code of length l, or -1 */
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  /** dequantized, inverse-transformed samples, (blocksPerLine*8) x (blocksPerColumn*8) */
  pixels: Uint8Array;
  pred: number;
  td: number;
  ta: number;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const mincode = new Int32Array(17);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    if (n > 0) {
      valptr[l] = k;
      mincode[l] = code;
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, valptr, mincode, values };
}

function idctBlock(coef: Float64Array, out: Uint8Array, offset: number, stride: number, tmp: Float64Array): void {
  // rows: tmp[y*8+x] = sum_u COS[x,u] * coef[y*8+u]
  for (let y = 0; y < 8; y++) {
    const r = y * 8;
    for (let x = 0; x < 8; x++) {
      let s = 0;
      const cx = x * 8;
      for (let u = 0; u < 8; u++) s += COS[cx + u]! * coef[r + u]!;
      tmp[r + x] = s;
    }
  }
  // columns
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      let s = 0;
      const cy = y * 8;
      for (let v = 0; v < 8; v++) s += COS[cy + v]! * tmp[v * 8 + x]!;
      const val = Math.round(s + 128);
      out[offset + y * stride + x] = val < 0 ? 0 : val > 255 ? 255 : val;
    }
  }
}

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function decodeJpeg(bytes: Uint8Array, maxPixels = 40_000_000): DecodedImage {
  if (!isJpeg(bytes)) throw new Error("jpeg: not a JPEG (no SOI marker)");
  const qt: Float64Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let frame: { width: number; height: number; comps: Component[]; hmax: number; vmax: number; mcusX: number; mcusY: number } | null =
    null;
  let restartInterval = 0;
  let adobeTransform = -1;
  let pos = 2;
  const u16 = (p: number) => (bytes[p]! << 8) | bytes[p + 1]!;

  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) {
      pos++;
      continue;
    }
    const marker = bytes[pos + 1]!;
    pos += 2;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      if (marker === 0xff) pos--;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const len = u16(pos);
    const seg = pos + 2;
    const end = pos + len;
    if (end > bytes.length) throw new Error("jpeg: truncated segment");
    switch (marker) {
      case 0xdb: {
        // DQT
        let p = seg;
        while (p < end) {
          const pq = bytes[p]! >> 4;
          const tq = bytes[p]! & 15;
          p++;
          const t = new Float64Array(64);
          for (let i = 0; i < 64; i++) {
            t[ZIGZAG[i]!] = pq ? u16(p + 2 * i) : bytes[p + i]!;
          }
          p += pq ? 128 : 64;
          qt[tq] = t;
        }
        break;
      }
      case 0xc4: {
        // DHT
        let p = seg;
        while (p < end) {
          const tc = bytes[p]! >> 4;
          const th = bytes[p]! & 15;
          const counts = bytes.subarray(p + 1, p + 17);
          let total = 0;
          for (let i = 0; i < 16; i++) total += counts[i]!;
          const values = bytes.slice(p + 17, p + 17 + total);
          const table = buildHuffman(counts, values);
          if (tc === 0) dcTables[th] = table;
          else acTables[th] = table;
          p += 17 + total;
        }
        break;
      }
      case 0xdd:
        restartInterval = u16(seg);
        break;
      case 0xee:
        // Adobe APP14: transform flag tells whether 3 components are YCbCr (1) or RGB (0)
        if (len >= 12 && String.fromCharCode(...bytes.subarray(seg, seg + 5)) === "Adobe") adobeTransform = bytes[seg + 11]!;
        break;
      case 0xc0:
      case 0xc1: {
        if (bytes[seg] !== 8) throw new Error("jpeg: only 8-bit precision is supported");
        const height = u16(seg + 1);
        const width = u16(seg + 3);
        const n = bytes[seg + 5]!;
        if (n !== 1 && n !== 3) throw new Error(`jpeg: ${n} components not supported`);
        if (width === 0 || height === 0) throw new Error("jpeg: missing dimensions");
        if (width * height > maxPixels) throw new Error("jpeg: image too large");
        const comps: Component[] = [];
        for (let i = 0; i < n; i++) {
          const b = seg + 6 + i * 3;
          comps.push({
            id: bytes[b]!,
            h: bytes[b + 1]! >> 4,
            v: bytes[b + 1]! & 15,
            tq: bytes[b + 2]!,
            blocksPerLine: 0,
            blocksPerColumn: 0,
            pixels: new Uint8Array(0),
            pred: 0,
            td: 0,
            ta: 0,
          });
        }
        const hmax = Math.max(...comps.map((c) => c.h));
        const vmax = Math.max(...comps.map((c) => c.v));
        const mcusX = Math.ceil(width / (8 * hmax));
        const mcusY = Math.ceil(height / (8 * vmax));
        for (const c of comps) {
          c.blocksPerLine = mcusX * c.h;
          c.blocksPerColumn = mcusY * c.v;
          c.pixels = new Uint8Array(c.blocksPerLine * 8 * c.blocksPerColumn * 8);
        }
        frame = { width, height, comps, hmax, vmax, mcusX, mcusY };
        break;
      }
      case 0xc2:
      case 0xc6:
      case 0xca:
      case 0xce:
        throw new Error("jpeg: progressive JPEG is not supported; send baseline JPEG or PNG");
      case 0xc3:
      case 0xc5:
      case 0xc7:
      case 0xc9:
      case 0xcb:
      case 0xcd:
      case 0xcf:
        throw new Error("jpeg: lossless/hierarchical/arithmetic JPEG is not supported");
      case 0xda: {
        if (!frame) throw new Error("jpeg: scan before frame header");
        const ns = bytes[seg]!;
        const scomps: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const id = bytes[seg + 1 + i * 2]!;
          const t = bytes[seg + 2 + i * 2]!;
          const c = frame.comps.find((x) => x.id === id);
          if (!c) throw new Error("jpeg: scan names unknown component");
          c.td = t >> 4;
          c.ta = t & 15;
          scomps.push(c);
        }
        pos = decodeScan(bytes, end, frame, scomps, qt, dcTables, acTables, restartInterval);
        continue;
      }
      default:
        break; // APPn, COM, etc.
    }
    pos = end;
  }
  if (!frame) throw new Error("jpeg: no frame");
  return toRgba(frame, adobeTransform);
}

function decodeScan(
  bytes: Uint8Array,
  start: number,
  frame: { comps: Component[]; hmax: number; vmax: number; mcusX: number; mcusY: number; width: number; height: number },
  scomps: Component[],
  qt: Float64Array[],
  dcTables: Huffman[],
  acTables: Huffman[],
  restartInterval: number,
): number {
  let pos = start;
  let bitBuf = 0;
  let bitCnt = 0;
  const readBit = (): number => {
    if (bitCnt === 0) {
      if (pos >= bytes.length) return 0;
      let b = bytes[pos]!;
      if (b === 0xff) {
        const next = bytes[pos + 1]!;
        if (next === 0) {
          pos += 2;
        } else {
          // a marker inside entropy data: feed zeros (corrupt/truncated stream), don't consume
          b = 0;
        }
      } else {
        pos++;
      }
      bitBuf = b;
      bitCnt = 8;
    }
    bitCnt--;
    return (bitBuf >> bitCnt) & 1;
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | readBit();
    return v;
  };
  const extend = (v: number, n: number): number => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const decodeHuff = (t: Huffman): number => {
    let code = 0;
    for (let l = 1; l <= 16; l++) {
      code = (code << 1) | readBit();
      if (t.maxcode[l]! >= 0 && code <= t.maxcode[l]!) {
        return t.values[t.valptr[l]! + code - t.mincode[l]!]!;
      }
    }
    throw new Error("jpeg: bad Huffman code");
  };

  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const decodeBlock = (c: Component, row: number, col: number) => {
    const dc = dcTables[c.td];
    const ac = acTables[c.ta];
    const q = qt[c.tq];
    if (!dc || !ac || !q) throw new Error("jpeg: missing table");
    coef.fill(0);
    const s = decodeHuff(dc);
    c.pred += s === 0 ? 0 : extend(receive(s), s);
    coef[0] = c.pred * q[0]!;
    let k = 1;
    while (k < 64) {
      const rs = decodeHuff(ac);
      const r = rs >> 4;
      const sz = rs & 15;
      if (sz === 0) {
        if (r === 15) {
          k += 16;
          continue;
        }
        break; // EOB
      }
      k += r;
      if (k > 63) break;
      const z = ZIGZAG[k]!;
      coef[z] = extend(receive(sz), sz) * q[z]!;
      k++;
    }
    const stride = c.blocksPerLine * 8;
    if (row < c.blocksPerColumn && col < c.blocksPerLine) idctBlock(coef, c.pixels, row * 8 * stride + col * 8, stride, tmp);
  };

  const resetRestart = () => {
    bitCnt = 0;
    // find RSTn marker
    while (pos + 1 < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1]! >= 0xd0 && bytes[pos + 1]! <= 0xd7)) {
      if (bytes[pos] === 0xff && bytes[pos + 1] !== 0 && bytes[pos + 1] !== 0xff) return; // another marker: stop
      pos++;
    }
    pos += 2;
    for (const c of scomps) c.pred = 0;
  };

  for (const c of scomps) c.pred = 0;
  if (scomps.length === 1) {
    // non-interleaved: one block per MCU, covering only the component's real extent
    const c = scomps[0]!;
    const bw = Math.ceil(Math.ceil((frame.width * c.h) / frame.hmax) / 8);
    const bh = Math.ceil(Math.ceil((frame.height * c.v) / frame.vmax) / 8);
    let n = 0;
    for (let row = 0; row < bh; row++) {
      for (let col = 0; col < bw; col++) {
        if (restartInterval && n > 0 && n % restartInterval === 0) resetRestart();
        decodeBlock(c, row, col);
        n++;
      }
    }
  } else {
    let n = 0;
    for (let my = 0; my < frame.mcusY; my++) {
      for (let mx = 0; mx < frame.mcusX; mx++) {
        if (restartInterval && n > 0 && n % restartInterval === 0) resetRestart();
        for (const c of scomps) {
          for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decodeBlock(c, my * c.v + v, mx * c.h + h);
        }
        n++;
      }
    }
  }
  // skip to the next marker (not a stuffed byte or RST)
  while (pos + 1 < bytes.length) {
    if (bytes[pos] === 0xff) {
      const m = bytes[pos + 1]!;
      if (m !== 0 && !(m >= 0xd0 && m <= 0xd7) && m !== 0xff) break;
    }
    pos++;
  }
  return pos;
}

function toRgba(
  frame: { width: number; height: number; comps: Component[]; hmax: number; vmax: number },
  adobeTransform: number,
): DecodedImage {
  const { width, height, comps, hmax, vmax } = frame;
  const out = new Uint8Array(width * height * 4);
  const planes = comps.map((c) => ({
    p: c.pixels,
    stride: c.blocksPerLine * 8,
    sx: c.h / hmax,
    sy: c.v / vmax,
  }));
  const ycc = comps.length === 3 && adobeTransform !== 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (comps.length === 1) {
        const pl = planes[0]!;
        const g = pl.p[y * pl.stride + x]!;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      } else {
        const a = planes[0]!;
        const b = planes[1]!;
        const c = planes[2]!;
        const Y = a.p[Math.floor(y * a.sy) * a.stride + Math.floor(x * a.sx)]!;
        const Cb = b.p[Math.floor(y * b.sy) * b.stride + Math.floor(x * b.sx)]!;
        const Cr = c.p[Math.floor(y * c.sy) * c.stride + Math.floor(x * c.sx)]!;
        if (ycc) {
          const r = Y + 1.402 * (Cr - 128);
          const g = Y - 0.344136 * (Cb - 128) - 0.714136 * (Cr - 128);
          const bl = Y + 1.772 * (Cb - 128);
          out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
          out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
          out[o + 2] = bl < 0 ? 0 : bl > 255 ? 255 : bl;
        } else {
          out[o] = Y;
          out[o + 1] = Cb;
          out[o + 2] = Cr;
        }
      }
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}
