import { EventEnvelope, payloadSchemaFor } from "./catalog.js";

/** A message value → its schema-checked envelope (payload included), or why it is not one. */
export function parseEventValue(
  value: Uint8Array | null | undefined,
): { ok: true; envelope: EventEnvelope } | { ok: false; reason: string } {
  if (!value || value.length === 0) return { ok: false, reason: "empty message value" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8"));
  } catch {
    return { ok: false, reason: "value is not JSON" };
  }
  const envelope = EventEnvelope.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      reason: `not an event envelope: ${envelope.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    };
  }
  const schema = payloadSchemaFor(envelope.data.type, envelope.data.version);
  if (!schema) return { ok: false, reason: `unknown event ${envelope.data.type}@${envelope.data.version}` };
  const payload = schema.safeParse(envelope.data.payload);
  if (!payload.success) {
    return {
      ok: false,
      reason: `invalid ${envelope.data.type}@${envelope.data.version} payload: ${payload.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".")}: ${i.message}`)
        .join("; ")}`,
    };
  }
  return { ok: true, envelope: { ...envelope.data, payload: payload.data } };
}
