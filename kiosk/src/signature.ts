// A signature pad on a canvas: pointer strokes, clear, and a compact PNG of the signature.
export interface SignaturePad {
  readonly canvas: HTMLCanvasElement;
  isEmpty(): boolean;
  clear(): void;
  /** PNG data URL, scaled down to at most 600 px wide (the application stores it). */
  toDataUrl(): string;
  onChange(fn: () => void): void;
}

export function createSignaturePad(canvas: HTMLCanvasElement): SignaturePad {
  const g = canvas.getContext("2d")!;
  let strokes = 0;
  let drawing = false;
  const listeners: (() => void)[] = [];

  function fit(): void {
    const rect = canvas.getBoundingClientRect();
    if (rect.width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.lineWidth = 4;
    g.lineCap = "round";
    g.lineJoin = "round";
    g.strokeStyle = "#10243e";
    strokes = 0;
  }
  const point = (e: PointerEvent) => {
    const rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  };
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const p = point(e);
    g.beginPath();
    g.moveTo(p.x, p.y);
    g.lineTo(p.x + 0.1, p.y + 0.1);
    g.stroke();
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const p = point(e);
    g.lineTo(p.x, p.y);
    g.stroke();
    e.preventDefault();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    strokes++;
    for (const fn of listeners) fn();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  requestAnimationFrame(fit);
  // Orientation or window change: an empty pad takes its new size (a drawn one keeps its strokes).
  const refit = () => {
    if (!canvas.isConnected) window.removeEventListener("resize", refit);
    else if (strokes === 0) fit();
  };
  window.addEventListener("resize", refit);

  return {
    canvas,
    isEmpty: () => strokes === 0,
    clear() {
      g.save();
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.clearRect(0, 0, canvas.width, canvas.height);
      g.restore();
      strokes = 0;
      for (const fn of listeners) fn();
    },
    toDataUrl() {
      const scale = Math.min(1, 600 / canvas.width);
      const out = document.createElement("canvas");
      out.width = Math.max(1, Math.round(canvas.width * scale));
      out.height = Math.max(1, Math.round(canvas.height * scale));
      const o = out.getContext("2d")!;
      o.fillStyle = "#fff";
      o.fillRect(0, 0, out.width, out.height);
      o.drawImage(canvas, 0, 0, out.width, out.height);
      return out.toDataURL("image/png");
    },
    onChange(fn) {
      listeners.push(fn);
    },
  };
}
