// A software passkey authenticator for tests: a P-256 key per credential, "none" attestation,
// and assertions signed over authenticatorData ‖ SHA-256(clientDataJSON), byte for byte as
// WebAuthn Level 3 (§6.1 authenticator data, §8.7 none attestation) lays them out. It answers
// the JSON options Supabase Auth sends with the JSON a browser's PublicKeyCredential.toJSON()
// gives, so tests drive the stack exactly as auth-js does in a browser.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto"

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server"
import { isoBase64URL, isoCBOR } from "@simplewebauthn/server/helpers"

/** What the authenticator reads of the options (auth-js and the server type them apart). */
type CreationOptions = { challenge: string; rp: { id?: string }; user: { id: string } }
type RequestOptions = { challenge: string; rpId?: string }

const FLAG_USER_PRESENT = 0x01
const FLAG_USER_VERIFIED = 0x04
const FLAG_ATTESTED_DATA = 0x40

type StoredCredential = {
  id: Uint8Array<ArrayBuffer>
  userHandle: Uint8Array<ArrayBuffer>
  rpId: string
  privateKey: KeyObject
  publicKeyCose: Uint8Array
  signCount: number
}

const sha256 = (data: Uint8Array | string) =>
  new Uint8Array(createHash("sha256").update(data).digest())

function uint32(value: number) {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value)

  return bytes
}

function concat(...parts: Uint8Array[]) {
  return new Uint8Array(Buffer.concat(parts))
}

/** The COSE_Key of an ES256 public key (RFC 9053 §7.1.1). */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" })
  const map = new Map<number, number | Uint8Array>([
    [1, 2], // kty: EC2
    [3, -7], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, isoBase64URL.toBuffer(jwk.x!)],
    [-3, isoBase64URL.toBuffer(jwk.y!)],
  ])

  return isoCBOR.encode(map)
}

export function createSoftwareAuthenticator(origin: string) {
  const credentials: StoredCredential[] = []

  function clientData(type: "webauthn.create" | "webauthn.get", challenge: string) {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  return {
    credentials,

    /** navigator.credentials.create() answered with a new discoverable credential. */
    create(options: CreationOptions): RegistrationResponseJSON {
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
      const id = new Uint8Array(randomBytes(32))
      const rpId = options.rp.id ?? new URL(origin).hostname
      const credential: StoredCredential = {
        id,
        userHandle: new Uint8Array(isoBase64URL.toBuffer(options.user.id)),
        rpId,
        privateKey,
        publicKeyCose: coseKey(publicKey),
        signCount: 0,
      }
      credentials.push(credential)
      const authData = concat(
        sha256(rpId),
        new Uint8Array([FLAG_USER_PRESENT | FLAG_USER_VERIFIED | FLAG_ATTESTED_DATA]),
        uint32(0),
        new Uint8Array(16), // AAGUID: all zero, as an anonymous software authenticator
        new Uint8Array([id.length >> 8, id.length & 0xff]),
        id,
        credential.publicKeyCose
      )
      const attestationObject = isoCBOR.encode(
        new Map<string, unknown>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]) as Parameters<typeof isoCBOR.encode>[0]
      )
      const idText = isoBase64URL.fromBuffer(id)

      return {
        id: idText,
        rawId: idText,
        type: "public-key",
        response: {
          clientDataJSON: isoBase64URL.fromBuffer(clientData("webauthn.create", options.challenge)),
          attestationObject: isoBase64URL.fromBuffer(attestationObject),
          transports: ["internal"],
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      }
    },

    /** navigator.credentials.get() answered with `credential` (the first one by default). */
    get(
      options: RequestOptions,
      credential: StoredCredential | undefined = credentials[0]
    ): AuthenticationResponseJSON {
      if (!credential) throw new Error("the software authenticator holds no credential")
      credential.signCount += 1
      const authData = concat(
        sha256(options.rpId ?? credential.rpId),
        new Uint8Array([FLAG_USER_PRESENT | FLAG_USER_VERIFIED]),
        uint32(credential.signCount)
      )
      const clientDataJSON = clientData("webauthn.get", options.challenge)
      const signature = sign(
        "sha256",
        concat(authData, sha256(clientDataJSON)),
        credential.privateKey
      )
      const idText = isoBase64URL.fromBuffer(credential.id)

      return {
        id: idText,
        rawId: idText,
        type: "public-key",
        response: {
          clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
          authenticatorData: isoBase64URL.fromBuffer(authData),
          signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
          userHandle: isoBase64URL.fromBuffer(credential.userHandle),
        },
        clientExtensionResults: {},
        authenticatorAttachment: "platform",
      }
    },
  }
}
