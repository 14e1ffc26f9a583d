// WebAuthn as a second factor (factor_type "webauthn"), as Supabase Auth's mfa.go has it:
// challengeWebAuthnFactor answers an unverified factor with registration options
// (`webauthn.type: "create"`) and a verified one with a login for the user's WebAuthn factor
// credentials (`"request"`), both as `credential_options: { publicKey }`; verifyWebAuthnFactor
// checks the browser's answer against the challenge's session data, saves the credential on
// the factor the first time, and raises the session to aal2 with amr "mfa/webauthn". The
// challenge rows are auth.mfa_challenges' (web_authn_session_data), answered once and from the
// address that asked, like TOTP's (mfa.ts).
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server"
import { z } from "zod"

import { type Queryable } from "../db/types"
import { AuthApiFailure } from "./errors"
import { type Authenticated, type AuthKernel } from "./kernel"
import { base64Url, webAuthnLibrary } from "./webauthn-library"

/** What a factor keeps of its credential (web_authn_credential), as go-webauthn's Credential. */
const storedCredentialSchema = z.object({
  id: z.string(),
  publicKey: z.string(),
  attestationType: z.string(),
  transport: z.array(z.string()).default([]),
  authenticator: z.object({ signCount: z.number() }),
})
export type StoredWebAuthnCredential = z.infer<typeof storedCredentialSchema>

export const webauthnSessionSchema = z.object({
  challenge: z.string(),
  user_id: z.string(),
  userVerification: z.string(),
  allowed_credential_ids: z.array(z.string()).default([]),
})

const unexpected = (message: string) => new AuthApiFailure(500, "unexpected_failure", message)

/** getWebAuthnMFA: the relying party from [auth.webauthn]; webauthn.New refuses it incomplete. */
function relyingParty(k: AuthKernel) {
  const { rp_id, rp_display_name, rp_origins } = k.ctx.config.auth.webauthn
  if (!rp_id || !rp_display_name || rp_origins.length === 0) {
    throw unexpected("Failed to generate WebAuthn registration data")
  }

  return { id: rp_id, name: rp_display_name, origins: rp_origins }
}

/** user.WebAuthnCredentials(): the credentials of the user's verified WebAuthn factors. */
async function factorCredentials(db: Queryable, userId: string) {
  const { rows } = await db.query<{ id: string; web_authn_credential: unknown }>(
    `select id::text, web_authn_credential from auth.mfa_factors
      where user_id = $1 and factor_type = 'webauthn' and web_authn_credential is not null`,
    [userId]
  )

  return rows.map((row) => ({
    factorId: row.id,
    credential: storedCredentialSchema.parse(
      typeof row.web_authn_credential === "string"
        ? JSON.parse(row.web_authn_credential)
        : row.web_authn_credential
    ),
  }))
}

/** The options of a challenge, and the session data its verify checks against. */
export async function webauthnChallenge(
  k: AuthKernel,
  caller: Authenticated,
  factorStatus: "unverified" | "verified"
) {
  const rp = relyingParty(k)
  const existing = await factorCredentials(k.ctx.db, caller.user.id)
  if (factorStatus === "unverified") {
    const name = caller.user.email ?? ""
    const { generateRegistrationOptions } = await webAuthnLibrary()
    const options = await generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userID: new TextEncoder().encode(caller.user.id),
      userName: name,
      userDisplayName: name,
      attestationType: "none",
      // As challengeWebAuthnFactor's exclusion list: the user's credentials, over usb or nfc.
      excludeCredentials: existing.map(({ credential }) => ({
        id: credential.id,
        transports: ["usb", "nfc"],
      })),
      authenticatorSelection: { userVerification: "preferred" },
    })

    return {
      type: "create" as const,
      publicKey: options,
      session: {
        challenge: options.challenge,
        user_id: caller.user.id,
        userVerification: "preferred",
        allowed_credential_ids: [],
      },
    }
  }
  const { generateAuthenticationOptions } = await webAuthnLibrary()
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: existing.map(({ credential }) => ({ id: credential.id })),
    userVerification: "preferred",
  })

  return {
    type: "request" as const,
    publicKey: options,
    session: {
      challenge: options.challenge,
      user_id: caller.user.id,
      userVerification: "preferred",
      allowed_credential_ids: existing.map(({ credential }) => credential.id),
    },
  }
}

/**
 * Checks the browser's answer. A registration gives the credential to save on the factor; a
 * login the credential's new sign count. Failures are 500s, as verifyWebAuthnFactor returns
 * go-webauthn's errors ("Failed to validate WebAuthn MFA response" for a login).
 */
export async function webauthnVerify(
  k: AuthKernel,
  userId: string,
  type: "create" | "request",
  session: z.infer<typeof webauthnSessionSchema>,
  response: unknown
): Promise<
  | { type: "create"; credential: StoredWebAuthnCredential; aaguid: string | null }
  | { type: "request"; factorId: string; credential: StoredWebAuthnCredential }
> {
  const rp = relyingParty(k)
  const requireUserVerification = session.userVerification === "required"
  if (type === "create") {
    const { verifyRegistrationResponse } = await webAuthnLibrary()
    const verified = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: session.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification,
    }).catch(() => null)
    if (!verified?.verified) throw unexpected("Failed to create WebAuthn credential")
    const info = verified.registrationInfo

    return {
      type,
      credential: {
        id: info.credential.id,
        publicKey: base64Url.fromBytes(info.credential.publicKey),
        attestationType: info.fmt,
        transport: info.credential.transports ?? [],
        authenticator: { signCount: info.credential.counter },
      },
      aaguid: info.aaguid === "00000000-0000-0000-0000-000000000000" ? null : info.aaguid,
    }
  }

  const failed = () => unexpected("Failed to validate WebAuthn MFA response")
  const assertion = response as AuthenticationResponseJSON
  const known = (await factorCredentials(k.ctx.db, userId)).find(
    ({ credential }) =>
      typeof assertion?.id === "string" &&
      credential.id === assertion.id &&
      session.allowed_credential_ids.includes(credential.id)
  )
  if (!known) throw failed()
  const { verifyAuthenticationResponse } = await webAuthnLibrary()
  const verified = await verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: session.challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    credential: {
      id: known.credential.id,
      publicKey: base64Url.toBytes(known.credential.publicKey),
      counter: known.credential.authenticator.signCount,
    },
    requireUserVerification,
  }).catch(() => null)
  if (!verified?.verified) throw failed()

  return {
    type,
    factorId: known.factorId,
    credential: {
      ...known.credential,
      authenticator: { signCount: verified.authenticationInfo.newCounter },
    },
  }
}
