// The active-liveness challenge of a face attempt: which way to turn the head, drawn by the server
// at random for the session's current nonce, and how many frames to send how far apart. One
// challenge per nonce: asking again returns the same one, so a kiosk cannot redraw until it gets
// the direction a recording happens to show; only a recorded attempt (which counts towards the
// lockout) rotates the nonce and with it the challenge.
//
// Only yaw is asked for (left or right): Human's mesh measures it reliably on the test video;
// the video holds no nod, so a pitch challenge could not be validated. Two directions are one bit:
// a recording of the genuine person turning one way answers half of the challenges, which the
// lockout (3 refusals a session, 5 a person in 15 minutes) bounds; photos and screens are stopped
// by the static-capture check, not by the challenge.
import { randomInt } from "node:crypto";

export type Direction = "left" | "right";

export interface Challenge {
  direction: Direction;
  /** frames the kiosk takes, and the pause between two of them */
  frames: number;
  intervalMs: number;
  /** the session nonce the attempt must carry */
  nonce: string;
  issuedAt: Date;
  /** the frames must arrive before this */
  expiresAt: Date;
}

/**
 * Draws the direction of a new challenge. Production: uniform random (randomDirection). A test
 * may fix it, through the boot options of prepareApp only (api/src/boot.ts; buildTestApp passes
 * it): never from the configuration, the environment or a request.
 */
export type DrawChallenge = () => Direction;

export const randomDirection: DrawChallenge = () => (randomInt(2) === 0 ? "left" : "right");
