// Unbinding phones: from another phone bound to the same subject, at a kiosk after a face check
// (a lost phone), or by a registrar. One transaction: the device rows, their sessions, a ledger
// entry 'wallet.device_removed' per device, and, when a removed phone may still hold a bound code
// that has not expired, a rotation of the subject's code (ledger and chain as any rotation), so
// that an offline verifier refuses the old code as soon as it has a newer status list. Online,
// the removed key is refused at once (device_removed). The subject's other phones fetch a code
// of the new code id at their next refresh.
//
// Left as is: a suspended code is not rotated (a rotation would lift the suspension); should it
// be reinstated while a removed phone's bound code is unexpired, only online verification
// refuses that phone.
import type { Queryable } from "../db/database.ts";
import { notFound } from "../errors.ts";
import { appendEntry } from "../ledger/append.ts";
import { subjectRef } from "../ledger/subject-ref.ts";
import { rotateCode } from "../codes/lifecycle.ts";
import type { CodesFeature } from "../codes/plugin.ts";
import { createSubjectRepository } from "../subjects/repository.ts";
import { createWalletRepository, type DeviceRow } from "./repository.ts";

export type RemovedBy = "device" | "kiosk" | "registrar";

export interface Removal {
  removed: DeviceRow[];
  /** The code rotated away because a removed phone may still hold a bound code of it. */
  rotated: { from: string; to: string } | null;
}

/**
 * Removes the subject's bound devices chosen by `which` (all of them when it returns true for
 * each), in the caller's transaction. 404 device_not_found when none is chosen.
 */
export async function removeDevices(
  client: Queryable,
  input: { subjectId: string; which: (device: DeviceRow) => boolean; by: RemovedBy; actor: string; reason: string; now: Date },
): Promise<Removal> {
  // Writers lock the subject first (as enrolment, credit and codes do).
  const subject = await createSubjectRepository(client).get(input.subjectId, { lock: true });
  const wallet = createWalletRepository(client);
  const chosen = (await wallet.devicesOf(subject.id, { lock: true })).filter(input.which);
  if (chosen.length === 0) throw notFound("device_not_found", "No such bound device");
  for (const device of chosen) {
    await wallet.removeDevice(device.id, { at: input.now, actor: input.actor, reason: input.reason });
    await appendEntry(client, {
      type: "wallet.device_removed",
      payload: { device: device.id, deviceKey: device.device_jkt, by: input.by, reason: input.reason },
      actor: input.actor,
      subjectRef: subjectRef(subject.commitment),
      at: input.now,
    });
  }
  const mayHoldCode = chosen.some((d) => d.last_code_expires !== null && d.last_code_expires.getTime() > input.now.getTime());
  let rotated: Removal["rotated"] = null;
  if (mayHoldCode) {
    const current = await createSubjectRepository(client).withCurrentCode(subject.id, { lock: true });
    if (current?.code_id && current.status === "active") {
      const next = await rotateCode(client, { subjectId: subject.id, actor: input.actor, at: input.now });
      rotated = { from: next.replaces, to: next.codeId };
    }
  }
  return { removed: chosen, rotated };
}

/** After the removal committed: the verifier's caches forget the removed keys and the rotated code; the answer. */
export function afterRemoval(codes: CodesFeature, result: Removal): { removed: string[]; codeRotated: boolean } {
  for (const d of result.removed) codes.deviceRemoved(d.device_jkt);
  if (result.rotated) codes.codeChanged(result.rotated.from);
  return { removed: result.removed.map((d) => d.id), codeRotated: result.rotated !== null };
}
