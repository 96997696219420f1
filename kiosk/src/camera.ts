// The kiosk camera: a live preview, and the frames of a face attempt as JPEG for the server-side
// check. The browser decides nothing about the face: the server does (the kiosk is not trusted).
let stream: MediaStream | null = null;

export async function startCamera(video: HTMLVideoElement): Promise<void> {
  stream ??= await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
    audio: false,
  });
  video.muted = true;
  video.playsInline = true;
  if (video.srcObject !== stream) video.srcObject = stream;
  await video.play();
  if (video.videoWidth === 0) await new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
}

export function stopCamera(): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
}

/**
 * Waits until the camera presents a new frame (at most `timeoutMs`), so that no two frames of an
 * attempt are the same picture: the server refuses identical frames as a still. A busy page can
 * fire two timers within one camera frame; requestVideoFrameCallback cannot.
 */
export function nextVideoFrame(video: HTMLVideoElement, timeoutMs = 500): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    if (typeof video.requestVideoFrameCallback !== "function") {
      clearTimeout(timer);
      resolve(); // an older browser: timers only
      return;
    }
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** One frame of the preview as base64 JPEG (no data: prefix), unmirrored (the server's yaw is the camera's). */
export function captureFrame(video: HTMLVideoElement, quality = 0.9): string {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const g = canvas.getContext("2d")!;
  g.drawImage(video, 0, 0);
  return canvas.toDataURL("image/jpeg", quality).replace(/^data:image\/jpeg;base64,/, "");
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
