// String work on a canonical entry (protocol/ledger/entry.ts) and on hex text, without JSON
// re-serialisation: the auditor re-hashes a row under another sequence number and reads
// a code entry's payload straight from the text that was hashed.
//
// In a canonical entry the keys are actor, createdAt, payload, seq, subjectRef, type.
// A JSON string can never contain an unescaped quote, so `,"seq":` found from the end
// is the top-level key, and `"payload":` found from the start is the top-level one.

/** The same canonical text with another sequence number. */
export function withSeq(canonical: string, seq: number): string {
  const at = canonical.lastIndexOf(',"seq":');
  if (at < 0) return canonical;
  const end = canonical.indexOf(",", at + 7);
  return `${canonical.slice(0, at)},"seq":${seq}${canonical.slice(end)}`;
}

/** The payload's canonical JSON text inside a canonical entry. */
export function payloadText(canonical: string): string {
  const start = canonical.indexOf('"payload":');
  const end = canonical.lastIndexOf(',"seq":');
  return start < 0 || end < start ? "null" : canonical.slice(start + 10, end);
}

/** Lower-case hex without the 0x prefix: the form the audit compares. */
export function bareHex(h: string): string {
  return (h.startsWith("0x") || h.startsWith("0X") ? h.slice(2) : h).toLowerCase();
}
