// The QR image of a code: the numeric QR text as two segments (the "OC1:/"
// prefix, or "OC2:/" for a phone-bound code with its device proof, in alphanumeric mode,
// the digits in numeric mode), error correction M.
import QRCode, { type QRCodeSegment } from "qrcode";
import { QR_PREFIX } from "../../../protocol/codes/token-format.ts";
import { BOUND_QR_PREFIX } from "../../../protocol/codes/device-proof.ts";

export const QR_ERROR_CORRECTION = "M" as const;
/** Largest symbol we accept to hand out: readable from a phone screen. */
export const MAX_QR_VERSION = 15;

export function qrSegments(qrText: string): QRCodeSegment[] {
  const prefix = [QR_PREFIX, BOUND_QR_PREFIX].find((p) => qrText.startsWith(p));
  if (!prefix) return [{ data: Buffer.from(qrText, "utf8"), mode: "byte" }];
  return [
    { data: prefix, mode: "alphanumeric" },
    { data: qrText.slice(prefix.length), mode: "numeric" },
  ];
}

export function qrVersion(qrText: string): number {
  return QRCode.create(qrSegments(qrText), { errorCorrectionLevel: QR_ERROR_CORRECTION }).version;
}

export async function renderQr(qrText: string): Promise<{ png: string; svg: string; version: number }> {
  const segments = qrSegments(qrText);
  const options = { errorCorrectionLevel: QR_ERROR_CORRECTION, margin: 4 } as const;
  const [png, svg] = await Promise.all([
    QRCode.toDataURL(segments, { ...options, type: "image/png", scale: 6 }),
    QRCode.toString(segments, { ...options, type: "svg" }),
  ]);
  return { png, svg, version: qrVersion(qrText) };
}
