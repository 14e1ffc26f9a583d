import { createHash, randomUUID } from "node:crypto"

import { z } from "zod"

import { type Queryable } from "../db/types"

const iso = (column: string) =>
  `to_char(u.${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${column}`

const TIMESTAMPS = [
  "email_confirmed_at",
  "invited_at",
  "phone_confirmed_at",
  "confirmation_sent_at",
  "confirmed_at",
  "recovery_sent_at",
  "email_change_sent_at",
  "reauthentication_sent_at",
  "last_sign_in_at",
  "created_at",
  "updated_at",
  "banned_until",
  "deleted_at",
] as const

export const USER_SELECT = `select u.id::text, u.aud, u.role, u.email, u.phone, u.encrypted_password,
  u.email_change, u.email_change_confirm_status, u.raw_app_meta_data, u.raw_user_meta_data,
  u.is_anonymous, u.confirmation_token, u.recovery_token, u.email_change_token_new,
  u.email_change_token_current, u.reauthentication_token,
  ${TIMESTAMPS.map(iso).join(", ")}
  from auth.users u`

const nullableString = z.string().nullable()
const metadataSchema = z.record(z.string(), z.unknown()).nullable()

const userRowSchema = z.object({
  id: z.string(),
  aud: nullableString,
  role: nullableString,
  email: nullableString,
  phone: nullableString,
  encrypted_password: nullableString,
  email_change: nullableString,
  email_change_confirm_status: z.coerce.number().nullable(),
  raw_app_meta_data: metadataSchema,
  raw_user_meta_data: metadataSchema,
  is_anonymous: z.boolean(),
  confirmation_token: nullableString,
  recovery_token: nullableString,
  email_change_token_new: nullableString,
  email_change_token_current: nullableString,
  reauthentication_token: nullableString,
  ...Object.fromEntries(TIMESTAMPS.map((column) => [column, nullableString])),
})

export type UserRow = z.infer<typeof userRowSchema> &
  Record<(typeof TIMESTAMPS)[number], string | null>

const identityRowSchema = z.object({
  id: z.string(),
  provider_id: z.string(),
  user_id: z.string(),
  identity_data: z.record(z.string(), z.unknown()),
  provider: z.string(),
  last_sign_in_at: nullableString,
  created_at: nullableString,
  updated_at: nullableString,
  email: nullableString,
})

export async function findUser(
  db: Queryable,
  where: string,
  params: unknown[]
): Promise<UserRow | undefined> {
  const { rows } = await db.query(`${USER_SELECT} where ${where} limit 1`, params)

  return rows[0] ? (userRowSchema.parse(rows[0]) as UserRow) : undefined
}

export const findUserById = (db: Queryable, id: string) =>
  isUuid(id) ? findUser(db, "u.id = $1", [id]) : Promise.resolve(undefined)

export const findUserByEmail = (db: Queryable, email: string) =>
  findUser(db, "lower(u.email) = lower($1) and u.is_sso_user = false", [email])

export function isUuid(value: string) {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
}

async function loadIdentities(db: Queryable, userId: string) {
  const { rows } = await db.query(
    `select id::text, provider_id, user_id::text, identity_data, provider, email,
       to_char(last_sign_in_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as last_sign_in_at,
       to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
       to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at
     from auth.identities where user_id = $1 order by created_at`,
    [userId]
  )

  return rows.map((row) => identityRowSchema.parse(row))
}

/** The user as Supabase Auth serialises it (omitempty fields left out when empty). */
export async function userJson(db: Queryable, user: UserRow): Promise<Record<string, unknown>> {
  const identities = await loadIdentities(db, user.id)
  const json: Record<string, unknown> = {
    id: user.id,
    aud: user.aud ?? "",
    role: user.role ?? "",
    email: user.email ?? "",
  }
  const put = (key: string, value: string | null | undefined) => {
    if (value) json[key] = value
  }
  put("email_confirmed_at", user.email_confirmed_at)
  put("invited_at", user.invited_at)
  json.phone = user.phone ?? ""
  put("phone_confirmed_at", user.phone_confirmed_at)
  put("confirmation_sent_at", user.confirmation_sent_at)
  put("confirmed_at", user.confirmed_at)
  put("recovery_sent_at", user.recovery_sent_at)
  put("new_email", user.email_change)
  put("email_change_sent_at", user.email_change_sent_at)
  put("reauthentication_sent_at", user.reauthentication_sent_at)
  put("last_sign_in_at", user.last_sign_in_at)
  json.app_metadata = user.raw_app_meta_data ?? {}
  json.user_metadata = user.raw_user_meta_data ?? {}
  json.identities = identities.map((identity) => ({
    identity_id: identity.id,
    id: identity.provider_id,
    user_id: identity.user_id,
    identity_data: identity.identity_data,
    provider: identity.provider,
    ...(identity.last_sign_in_at ? { last_sign_in_at: identity.last_sign_in_at } : {}),
    created_at: identity.created_at,
    updated_at: identity.updated_at,
    ...(identity.email ? { email: identity.email } : {}),
  }))
  // As Supabase Auth's user JSON: the enrolled factors, left out when there are none.
  const factors = await listFactors(db, user.id)
  if (factors.length) json.factors = factors
  json.created_at = user.created_at
  json.updated_at = user.updated_at
  put("banned_until", user.banned_until)
  put("deleted_at", user.deleted_at)
  json.is_anonymous = user.is_anonymous

  return json
}

export type NewUser = {
  id?: string
  email?: string
  phone?: string
  passwordHash?: string | null
  userMetadata?: Record<string, unknown>
  appMetadata?: Record<string, unknown>
  role?: string
  confirmed?: boolean
  isAnonymous?: boolean
}

/** Inserts a user and, unless anonymous, its email identity, as Supabase Auth's signup does. */
export async function insertUser(tx: Queryable, input: NewUser): Promise<string> {
  const id = input.id ?? randomUUID()
  const email = input.email?.toLowerCase() ?? null
  const providers = input.isAnonymous ? [] : ["email"]
  const appMetadata = input.isAnonymous
    ? { ...input.appMetadata }
    : { provider: "email", providers, ...input.appMetadata }
  await tx.query(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
       raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous,
       confirmation_token, recovery_token, email_change_token_new, email_change)
     values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', $2, $3, $4,
       case when $5 then now() end, $6::jsonb, $7::jsonb, now(), now(), $8, '', '', '', '')`,
    [
      id,
      input.role ?? "authenticated",
      email,
      input.passwordHash ?? "",
      input.confirmed ?? false,
      JSON.stringify(appMetadata),
      JSON.stringify(input.userMetadata ?? {}),
      input.isAnonymous ?? false,
    ]
  )
  if (email) {
    await tx.query(
      `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       values ($1::text, $3::uuid, $2::jsonb, 'email', null, now(), now())`,
      [
        id,
        JSON.stringify({
          sub: id,
          email,
          email_verified: false,
          phone_verified: false,
        }),
        id,
      ]
    )
  }

  return id
}

/** The token hash Supabase Auth stores and puts in email links: sha224(email + otp). */
export function tokenHash(email: string, otp: string) {
  return createHash("sha224")
    .update(email.toLowerCase() + otp)
    .digest("hex")
}

export type OneTimeTokenType =
  | "confirmation_token"
  | "recovery_token"
  | "email_change_token_new"
  | "email_change_token_current"
  | "reauthentication_token"

/** Keeps auth.one_time_tokens in step with the token columns of auth.users, as hosted does. */
export async function setOneTimeToken(
  tx: Queryable,
  userId: string,
  type: OneTimeTokenType,
  hash: string,
  relatesTo: string
) {
  await tx.query(
    `insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
     values ($1, $2, $3::auth.one_time_token_type, $4, $5)
     on conflict (user_id, token_type) do update
       set token_hash = excluded.token_hash, relates_to = excluded.relates_to, updated_at = now()`,
    [randomUUID(), userId, type, hash, relatesTo]
  )
}

export async function clearOneTimeToken(tx: Queryable, userId: string, type: OneTimeTokenType) {
  await tx.query(
    "delete from auth.one_time_tokens where user_id = $1 and token_type = $2::auth.one_time_token_type",
    [userId, type]
  )
}

export async function audit(
  tx: Queryable,
  action: string,
  actor: UserRow | undefined,
  ip: string,
  traits: Record<string, unknown> = {}
) {
  await tx.query(
    `insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
     values ('00000000-0000-0000-0000-000000000000', $1, $2::json, now(), $3)`,
    [
      randomUUID(),
      JSON.stringify({
        action,
        actor_id: actor?.id ?? "",
        actor_username: actor?.email ?? "",
        actor_via_sso: false,
        log_type: action.startsWith("token")
          ? "token"
          : action === "login" || action === "logout"
            ? "account"
            : "user",
        traits,
      }),
      ip.slice(0, 64),
    ]
  )
}

export type FactorJson = {
  id: string
  friendly_name?: string
  factor_type: string
  status: "unverified" | "verified"
  created_at: string
  updated_at: string
  phone: string
  last_challenged_at: string | null
}

/** A user's MFA factors as Supabase Auth returns them (no secret), oldest first. */
export async function listFactors(db: Queryable, userId: string): Promise<FactorJson[]> {
  const { rows } = await db.query<{
    id: string
    friendly_name: string | null
    factor_type: string
    status: "unverified" | "verified"
    created_at: string
    updated_at: string
    phone: string | null
    last_challenged_at: string | null
  }>(
    `select id::text, friendly_name, factor_type::text, status::text,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
            to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at,
            phone,
            to_char(last_challenged_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as last_challenged_at
       from auth.mfa_factors where user_id = $1 order by created_at, id`,
    [userId]
  )

  return rows.map((row) => ({
    id: row.id,
    ...(row.friendly_name ? { friendly_name: row.friendly_name } : {}),
    factor_type: row.factor_type,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    phone: row.phone ?? "",
    last_challenged_at: row.last_challenged_at,
  }))
}
