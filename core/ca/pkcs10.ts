import { sign, type KeyObject } from 'node:crypto';

// A PKCS#10 request (RFC 2986) written with Node's crypto and a few lines of DER: the sidecar agent
// makes one per certificate and would otherwise keep an X.509 library's code in memory for good.

/** ecdsa-with-SHA256 (RFC 5758). */
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** pkcs-9-at-extensionRequest (RFC 2985). */
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
/** id-ce-subjectAltName (RFC 5280). */
const SUBJECT_ALT_NAME = '2.5.29.17';
/** A SAN URI longer than this is no SPIFFE ID (their limit is 2,048 bytes). */
const MAX_URI_LENGTH = 2048;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift(0x80 | (v & 0x7f));
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const sequence = (...content: Buffer[]) => tlv(0x30, ...content);

/** The extensionRequest attribute asking for one URI SAN (not critical, as a CA adds its own). */
function uriSanRequest(uri: string): Buffer {
  if (uri.length === 0 || uri.length > MAX_URI_LENGTH || !/^[\x21-\x7e]+$/.test(uri)) throw new RangeError(`a SAN URI must be 1-${MAX_URI_LENGTH} printable ASCII characters without spaces`);
  const generalNames = sequence(tlv(0x86, Buffer.from(uri, 'ascii')));
  const extension = sequence(oid(SUBJECT_ALT_NAME), tlv(0x04, generalNames));
  return sequence(oid(EXTENSION_REQUEST), tlv(0x31, sequence(extension)));
}

/** A DER PKCS#10 request with an empty subject for an EC key, signed with ECDSA SHA-256; `uri` becomes its one SAN. */
export function pkcs10Der(o: { publicKey: KeyObject; privateKey: KeyObject; uri?: string }): Buffer {
  if (o.privateKey.asymmetricKeyType !== 'ec') throw new RangeError('a CSR is signed here with an EC key only');
  const spki = o.publicKey.export({ type: 'spki', format: 'der' });
  const info = sequence(tlv(0x02, Buffer.from([0])), sequence(), spki, tlv(0xa0, ...(o.uri !== undefined ? [uriSanRequest(o.uri)] : [])));
  const signature = sign('sha256', info, o.privateKey);
  return sequence(info, sequence(oid(ECDSA_WITH_SHA256)), tlv(0x03, Buffer.from([0]), signature));
}

export function pkcs10Pem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}
