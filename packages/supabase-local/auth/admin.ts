import { randomBytes } from "node:crypto"

import { z } from "zod"

import { sendJson } from "../http"
import { badRequest, notFound, unprocessable } from "./errors"
import { metadataSchema, type AuthKernel, type AuthRequest } from "./kernel"
import { adminPasskeys } from "./passkeys"
import {
  findUserByEmail,
  findUserById,
  insertUser,
  isUuid,
  listFactors,
  userJson,
  type UserRow,
} from "./users"

const adminUserBody = z
  .object({
    id: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
    password: z.string().optional(),
    email_confirm: z.boolean().optional(),
    phone_confirm: z.boolean().optional(),
    user_metadata: metadataSchema.nullish(),
    app_metadata: metadataSchema.nullish(),
    role: z.string().optional(),
    ban_duration: z.string().optional(),
  })
  .loose()

const generateLinkBody = z
  .object({
    type: z.string().optional(),
    email: z.string().optional(),
    new_email: z.string().optional(),
    password: z.string().optional(),
    data: metadataSchema.nullish(),
    redirect_to: z.string().optional(),
  })
  .loose()

const inviteBody = z
  .object({ email: z.string().optional(), data: metadataSchema.nullish() })
  .loose()
const deleteBody = z.object({ should_soft_delete: z.boolean().optional() }).loose()

// The format check Supabase Auth's validateEmail (mail.go) runs: checkmail.ValidateFormat's
// pattern, which (unlike a browser's) needs no dot in the domain.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

/** Supabase Auth's validateEmail: required, at most 255 characters, the format, lowercased. */
function adminEmail(value: string | undefined) {
  if (!value) throw badRequest("validation_failed", "An email address is required")
  if (value.length > 255) throw badRequest("validation_failed", "An email address is too long")
  if (!EMAIL.test(value))
    throw badRequest("validation_failed", "Unable to validate email address: invalid format")

  return value.toLowerCase()
}

/** A page parameter as Go's strconv.ParseUint reads it (Auth's paginate, pagination.go). */
function pageParameter(raw: string | null, fallback: number) {
  if (raw === null || raw === "") return fallback
  if (!/^\d+$/.test(raw)) {
    throw badRequest(
      "validation_failed",
      `Bad Pagination Parameters: strconv.ParseUint: parsing ${JSON.stringify(raw)}: invalid syntax`
    )
  }

  return Number(raw)
}

/** Go-style durations as the admin API takes them ("24h", "1h30m", "none"). */
function banUntil(duration: string | undefined): string | null | undefined {
  if (duration === undefined) return undefined
  if (duration === "none") return null
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration)
  if (!duration || !match) throw badRequest("validation_failed", "invalid format for ban duration")
  const seconds = Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)

  return new Date(Date.now() + seconds * 1000).toISOString()
}

/** The admin API (service_role key): users, invites and generate_link. */
export async function handleAdmin(k: AuthKernel, r: AuthRequest, path: string) {
  const { db } = k.ctx
  await k.requireAdmin(r.req)
  const method = r.req.method ?? "GET"

  if (method === "POST" && path === "/invite") return invite()
  if (path === "/admin/users" && method === "GET") return listUsers()
  if (path === "/admin/users" && method === "POST") return createUser()
  if (path === "/admin/generate_link" && method === "POST") return generateLink()
  const userMatch = /^\/admin\/users\/([^/]+)$/.exec(path)
  if (userMatch) {
    const id = decodeURIComponent(userMatch[1]!)
    if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID")
    const user = await findUserById(db, id)
    if (!user) throw notFound("user_not_found", "User not found")
    if (method === "GET") return sendJson(r.res, 200, await userJson(db, user))
    if (method === "PUT") return updateUser(user)
    if (method === "DELETE") return deleteUser(user)
  }
  // Supabase Auth's admin factor routes: a user's factors, and deleting one of them.
  const factorsMatch = /^\/admin\/users\/([^/]+)\/factors(?:\/([^/]+))?$/.exec(path)
  if (factorsMatch) {
    const id = decodeURIComponent(factorsMatch[1]!)
    if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID")
    const user = await findUserById(db, id)
    if (!user) throw notFound("user_not_found", "User not found")
    const factors = await listFactors(db, user.id)
    const factorId = factorsMatch[2] && decodeURIComponent(factorsMatch[2])
    if (!factorId && method === "GET") return sendJson(r.res, 200, factors)
    if (factorId && method === "DELETE") {
      if (!isUuid(factorId)) throw notFound("validation_failed", "factor_id must be an UUID")
      const factor = factors.find((candidate) => candidate.id === factorId)
      if (!factor) throw notFound("mfa_factor_not_found", "Factor not found")
      await k.transaction(async (tx) => {
        await tx.query("delete from auth.mfa_factors where id = $1", [factorId])
        await tx.query(
          `update auth.sessions set aal = 'aal1', factor_id = null, updated_at = now()
            where factor_id = $1`,
          [factorId]
        )
      })
      return sendJson(r.res, 200, factor)
    }
  }
  // Supabase Auth's admin passkey routes (passkey_admin.go), behind the same user lookup.
  const passkeysMatch = /^\/admin\/users\/([^/]+)\/passkeys(?:\/([^/]+))?$/.exec(path)
  if (passkeysMatch) {
    const id = decodeURIComponent(passkeysMatch[1]!)
    if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID")
    const user = await findUserById(db, id)
    if (!user) throw notFound("user_not_found", "User not found")
    const passkeyId = passkeysMatch[2] && decodeURIComponent(passkeysMatch[2])
    return adminPasskeys(k, r, user.id, passkeyId || undefined)
  }
  throw notFound("not_found", "Not Found")

  async function listUsers() {
    const page = Math.max(1, pageParameter(r.url.searchParams.get("page"), 1))
    const perPage = Math.min(
      1000,
      Math.max(1, pageParameter(r.url.searchParams.get("per_page"), 50))
    )
    const total = Number(
      (await db.query<{ count: string }>("select count(*)::text as count from auth.users")).rows[0]
        ?.count ?? 0
    )
    const { rows } = await db.query<{ id: string }>(
      "select id::text from auth.users order by created_at desc, id limit $1 offset $2",
      [perPage, (page - 1) * perPage]
    )
    const users = []
    for (const { id } of rows) {
      const user = await findUserById(db, id)
      if (user) users.push(await userJson(db, user))
    }
    const lastPage = Math.max(1, Math.ceil(total / perPage))
    const links: string[] = []
    if (page < lastPage)
      links.push(`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`)
    links.push(`</admin/users?page=${lastPage}&per_page=${perPage}>; rel="last"`)
    sendJson(
      r.res,
      200,
      { users, aud: "authenticated" },
      { "x-total-count": String(total), link: links.join(", ") }
    )
  }

  async function createUser() {
    const body = await k.readJson(r.req, adminUserBody)
    if (!body.email && !body.phone) {
      throw badRequest("validation_failed", "Cannot create a user without either an email or phone")
    }
    if (body.phone) throw badRequest("phone_provider_disabled", "Phone logins are disabled")
    const email = adminEmail(body.email!)
    if (body.password !== undefined) k.checkPasswordStrength(body.password)
    if (body.id && !isUuid(body.id)) throw badRequest("validation_failed", "id must be a UUID")
    const passwordHash = body.password !== undefined ? await k.hashPassword(body.password) : null
    const banned = banUntil(body.ban_duration)
    const created = await k.transaction(async (tx) => {
      if (await findUserByEmail(tx, email)) {
        throw unprocessable(
          "email_exists",
          "A user with this email address has already been registered"
        )
      }
      const id = await insertUser(tx, {
        id: body.id,
        email,
        passwordHash,
        userMetadata: body.user_metadata ?? {},
        appMetadata: body.app_metadata ?? {},
        role: body.role,
        confirmed: body.email_confirm ?? false,
      })
      if (banned)
        await tx.query("update auth.users set banned_until = $2 where id = $1", [id, banned])
      if (body.email_confirm) {
        await tx.query(
          `update auth.identities set identity_data = identity_data || '{"email_verified": true}'::jsonb where user_id = $1`,
          [id]
        )
      }

      return (await findUserById(tx, id))!
    })
    sendJson(r.res, 200, await userJson(db, created))
  }

  async function updateUser(user: UserRow) {
    const body = await k.readJson(r.req, adminUserBody)
    if (body.password !== undefined) k.checkPasswordStrength(body.password)
    const passwordHash =
      body.password !== undefined ? await k.hashPassword(body.password) : undefined
    const email = body.email !== undefined ? adminEmail(body.email) : undefined
    const banned = banUntil(body.ban_duration)
    await k.transaction(async (tx) => {
      if (email && email !== user.email) {
        const taken = await findUserByEmail(tx, email)
        if (taken && taken.id !== user.id) {
          throw unprocessable(
            "email_exists",
            "A user with this email address has already been registered"
          )
        }
        await tx.query("update auth.users set email = $2 where id = $1", [user.id, email])
        await tx.query(
          `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text)
           where user_id = $1 and provider = 'email'`,
          [user.id, email]
        )
      }
      if (passwordHash)
        await tx.query("update auth.users set encrypted_password = $2 where id = $1", [
          user.id,
          passwordHash,
        ])
      if (body.email_confirm === true) {
        await tx.query(
          "update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = $1",
          [user.id]
        )
      }
      if (body.user_metadata) {
        await tx.query(
          "update auth.users set raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}'::jsonb) || $2::jsonb) where id = $1",
          [user.id, JSON.stringify(body.user_metadata)]
        )
      }
      if (body.app_metadata) {
        await tx.query(
          "update auth.users set raw_app_meta_data = jsonb_strip_nulls(coalesce(raw_app_meta_data, '{}'::jsonb) || $2::jsonb) where id = $1",
          [user.id, JSON.stringify(body.app_metadata)]
        )
      }
      if (body.role)
        await tx.query("update auth.users set role = $2 where id = $1", [user.id, body.role])
      if (banned !== undefined) {
        await tx.query("update auth.users set banned_until = $2 where id = $1", [user.id, banned])
        // A ban ends the user's sessions at once.
        if (banned) await tx.query("delete from auth.sessions where user_id = $1", [user.id])
      }
      await tx.query("update auth.users set updated_at = now() where id = $1", [user.id])
    })
    sendJson(r.res, 200, await userJson(db, (await findUserById(db, user.id))!))
  }

  async function deleteUser(user: UserRow) {
    const body =
      r.req.headers["content-length"] === "0" || !r.req.headers["content-type"]
        ? {}
        : await k.readJson(r.req, deleteBody)
    if ("should_soft_delete" in body && body.should_soft_delete) {
      await k.transaction(async (tx) => {
        await tx.query("delete from auth.sessions where user_id = $1", [user.id])
        await tx.query("delete from auth.identities where user_id = $1", [user.id])
        await tx.query(
          `update auth.users set deleted_at = now(), email = null, phone = null, encrypted_password = '',
             raw_app_meta_data = '{}'::jsonb, raw_user_meta_data = '{}'::jsonb, updated_at = now() where id = $1`,
          [user.id]
        )
      })
    } else {
      await db.query("delete from auth.users where id = $1", [user.id])
    }
    sendJson(r.res, 200, {})
  }

  async function invite() {
    const body = await k.readJson(r.req, inviteBody)
    const email = adminEmail(body.email)
    const redirectTo = k.redirects.resolve(r.url.searchParams.get("redirect_to"))
    const invited = await k.transaction(async (tx) => {
      let user = await findUserByEmail(tx, email)
      if (user?.email_confirmed_at) {
        throw unprocessable(
          "email_exists",
          "A user with this email address has already been registered"
        )
      }
      if (!user) {
        const id = await insertUser(tx, {
          email,
          userMetadata: body.data ?? {},
        })
        user = (await findUserById(tx, id))!
      }
      await tx.query("update auth.users set invited_at = now() where id = $1", [user.id])
      await k.sendTokenEmail(tx, user, {
        slot: "invite",
        kind: "invite",
        linkType: "invite",
        to: email,
        redirectTo,
        flowType: "implicit",
        checkFrequency: false,
      })

      return (await findUserById(tx, user.id))!
    })
    sendJson(r.res, 200, await userJson(db, invited))
  }

  async function generateLink() {
    const body = await k.readJson(r.req, generateLinkBody)
    const types = [
      "signup",
      "invite",
      "magiclink",
      "recovery",
      "email_change_current",
      "email_change_new",
    ]
    // Auth checks the address first, the type after (adminGenerateLink, mail.go).
    const email = adminEmail(body.email)
    if (!body.type || !types.includes(body.type)) {
      throw badRequest(
        "validation_failed",
        `Invalid email action link type requested: ${body.type ?? ""}`
      )
    }
    const redirectTo = k.redirects.resolve(
      body.redirect_to ?? r.url.searchParams.get("redirect_to")
    )
    let type = body.type
    if (type === "signup" && !body.password)
      throw badRequest("validation_failed", "Signup requires a valid password")
    if (body.password !== undefined) k.checkPasswordStrength(body.password)
    const passwordHash = body.password ? await k.hashPassword(body.password) : null

    const result = await k.transaction(async (tx) => {
      let user = await findUserByEmail(tx, email)
      if (!user && type === "magiclink") {
        // As Supabase Auth does: a magic link for an unknown address becomes a signup link.
        type = "signup"
      }
      if (!user) {
        if (type === "recovery" || type.startsWith("email_change")) {
          throw notFound("user_not_found", "User with this email not found")
        }
        const id = await insertUser(tx, {
          email,
          passwordHash:
            passwordHash ?? (await k.hashPassword(randomBytes(24).toString("base64url"))),
          userMetadata: body.data ?? {},
        })
        user = (await findUserById(tx, id))!
      } else if ((type === "signup" || type === "invite") && user.email_confirmed_at) {
        throw unprocessable(
          "email_exists",
          "A user with this email address has already been registered"
        )
      }
      const common = {
        redirectTo,
        flowType: "implicit" as const,
        deliver: false,
      }
      let generated
      let verificationType = type
      if (type === "signup" || type === "invite") {
        if (type === "invite")
          await tx.query("update auth.users set invited_at = now() where id = $1", [user.id])
        generated = await k.sendTokenEmail(tx, user, {
          ...common,
          slot: type === "invite" ? "invite" : "confirmation",
          kind: "confirmation",
          linkType: type,
          to: email,
        })
      } else if (type === "magiclink" || type === "recovery") {
        generated = await k.sendTokenEmail(tx, user, {
          ...common,
          slot: type === "recovery" ? "recovery" : "magic_link",
          kind: "magic_link",
          linkType: type,
          to: email,
        })
      } else {
        if (!body.new_email)
          throw badRequest("validation_failed", "The new_email address must be provided")
        const newEmail = adminEmail(body.new_email)
        const taken = await findUserByEmail(tx, newEmail)
        if (taken)
          throw unprocessable(
            "email_exists",
            "A user with this email address has already been registered"
          )
        await tx.query(
          "update auth.users set email_change = $2, email_change_confirm_status = 0 where id = $1",
          [user.id, newEmail]
        )
        const isCurrent = type === "email_change_current"
        verificationType = "email_change"
        generated = await k.sendTokenEmail(tx, user, {
          ...common,
          slot: isCurrent ? "email_change_current" : "email_change_new",
          kind: "email_change",
          linkType: "email_change",
          to: isCurrent ? email : newEmail,
        })
      }
      const fresh = (await findUserById(tx, user.id))!

      return {
        ...(await userJson(tx, fresh)),
        action_link: generated.link,
        email_otp: generated.otp,
        hashed_token: generated.hash,
        verification_type: verificationType,
        redirect_to: redirectTo,
      }
    })
    sendJson(r.res, 200, result)
  }
}
