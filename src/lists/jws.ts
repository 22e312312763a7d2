/**
 * Compact JWS with EdDSA over Ed25519 (RFC 7515, RFC 8037) and JWK thumbprints (RFC 7638),
 * with node:crypto: the one algorithm these manifests use needs no library.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 public key. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  // Required members only, in lexicographic order, no white space.
  return b64url(createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest());
}

export interface JwsHeader {
  alg: string;
  kid?: string;
  [k: string]: unknown;
}

/** Sign `payload` (the exact bytes) as a compact JWS. */
export function signCompact(payload: Buffer, privateKey: KeyObject, kid?: string): string {
  const header: JwsHeader = { alg: 'EdDSA', ...(kid ? { kid } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  return `${input}.${b64url(sign(null, Buffer.from(input), privateKey))}`;
}

export type JwsCheck =
  | { valid: true; header: JwsHeader; payload: Buffer }
  | { valid: false; header: JwsHeader | null; payload: Buffer | null; reason: string };

/** Check a compact JWS against an Ed25519 public key; the payload comes back only as signed bytes. */
export function verifyCompact(jws: string, publicKey: KeyObject): JwsCheck {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return { valid: false, header: null, payload: null, reason: 'not a compact JWS (three base64url parts)' };
  let header: JwsHeader;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as JwsHeader;
  } catch {
    return { valid: false, header: null, payload: null, reason: 'the JWS header is not JSON' };
  }
  const payload = Buffer.from(parts[1], 'base64url');
  if (header.alg !== 'EdDSA') return { valid: false, header, payload, reason: `algorithm "${String(header.alg)}" is not EdDSA` };
  const ok = verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], 'base64url'));
  if (!ok) {
    const kid = header.kid && header.kid !== jwkThumbprint(publicKey) ? ` (signed by key ${header.kid}, checked with ${jwkThumbprint(publicKey)})` : '';
    return { valid: false, header, payload, reason: `signature mismatch${kid}` };
  }
  return { valid: true, header, payload };
}
