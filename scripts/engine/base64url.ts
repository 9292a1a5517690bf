// Strict base64url decoding, like absl::WebSafeBase64Unescape that
// jwt_verify_lib uses: only A-Z a-z 0-9 - _ (optionally '=' padding to a
// multiple of 4). Node's Buffer.from(s, 'base64url') silently skips bad
// characters, which would let a malformed token parse.

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function decodeBase64Url(input: string): Buffer | undefined {
  let body = input;
  const pad = body.indexOf('=');
  if (pad >= 0) {
    const padding = body.slice(pad);
    body = body.slice(0, pad);
    if (!/^={1,2}$/.test(padding) || (body.length + padding.length) % 4 !== 0) return undefined;
  }
  if (!ALPHABET.test(body)) return undefined;
  // One leftover character cannot encode a byte.
  if (body.length % 4 === 1) return undefined;
  return Buffer.from(body, 'base64url');
}

export function encodeBase64Url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}
