/**
 * Base64 decoding for embedded test data (Deno std is not a dependency here).
 * @module
 */

/** Decodes standard base64 text into bytes. */
export function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
