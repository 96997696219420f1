// Finding the QR in a camera frame or an image: jsQR on RGBA pixels.
// Shared by the verifier page (canvas frames) and the tests (PNG files).
import jsQRModule from "jsqr";
import { Refusal } from "../../protocol/codes/token-format.ts";

// jsqr is CommonJS with `exports.default`: Node hands over the module object, bundlers the function.
type JsQR = typeof import("jsqr").default;
const jsQR: JsQR = ((jsQRModule as unknown as { default?: JsQR }).default ?? jsQRModule) as JsQR;

/** The text of the QR code in an RGBA image; Refusal("no_qr") when there is none. */
export function decodeQr(rgba: Uint8ClampedArray, width: number, height: number): string {
  const found = jsQR(rgba, width, height, { inversionAttempts: "attemptBoth" });
  if (!found || !found.data) throw new Refusal("no_qr", "no readable QR code in the image");
  return found.data;
}
