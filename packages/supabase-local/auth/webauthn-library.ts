// @simplewebauthn/server takes a few hundred milliseconds to load (its CBOR, ASN.1 and
// certificate dependencies) and only a passkey or WebAuthn-factor request needs it, so it is
// loaded at the first such request rather than with the stack's code at every start.
import type * as WebAuthn from "@simplewebauthn/server"

type WebAuthnLibrary = typeof WebAuthn

let loading: Promise<WebAuthnLibrary> | undefined

export function webAuthnLibrary(): Promise<WebAuthnLibrary> {
  loading ??= import("@simplewebauthn/server")

  return loading
}

/**
 * base64url without padding, as isoBase64URL of @simplewebauthn/server/helpers encodes it
 * (that module loads most of the library); Node's decoder also takes standard base64.
 */
export const base64Url = {
  fromBytes: (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url"),
  toBytes: (text: string): Uint8Array<ArrayBuffer> =>
    new Uint8Array(Buffer.from(text, "base64url")),
}
