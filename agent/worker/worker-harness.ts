import { realtimeService } from "@lmx/supabase-local/realtime/service"
import { restService } from "@lmx/supabase-local/rest"
import { createStorageService } from "@lmx/supabase-local/storage/service"
import {
  startTestStack,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"

// The worker against a local stack (REST + Realtime + Storage) and the device API's runs routes
// called in process: a fetch that hands each request to its route handler, as Next would, and
// lets requests to the stack itself (artifact uploads) through. Shared by
// worker.int.test.ts and scripts/bench/runs-worker.ts. Callers mock "server-only" first.

export const HARNESS = {
  user: "0a000000-0000-4000-8000-00000000a001",
  device: "0d000000-0000-4000-8000-00000000a001",
  otherDevice: "0d000000-0000-4000-8000-00000000a002",
  project: "0b000000-0000-4000-8000-00000000a001",
  otherProject: "0b000000-0000-4000-8000-00000000a002",
  secret: `lmxd_${"a".repeat(60)}0001`,
  otherSecret: `lmxd_${"a".repeat(60)}0002`,
  server: "http://console.test",
} as const

type Route = (
  request: Request,
  context: { params: Promise<{ id: string }> }
) => Promise<Response>

export async function startWorkerHarness({
  seedFiles = [],
}: {
  /** Seed files applied before the harness's own rows (the demo worker's test). */
  seedFiles?: string[]
} = {}): Promise<{
  stack: TestStack
  fetch: typeof fetch
  userToken: () => Promise<string>
}> {
  const stack = await startTestStack({
    services: [restService, realtimeService(), createStorageService],
    seedFiles,
  })
  process.env.NEXT_PUBLIC_SUPABASE_URL = stack.url
  process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = stack.keys.anonKey
  process.env.NEXT_PUBLIC_SITE_URL = HARNESS.server
  process.env.SUPABASE_JWT_SECRET = stack.keys.jwtSecret
  const h = HARNESS
  await stack.db.exec(`
    insert into auth.users (id, email, aud, role, email_confirmed_at, created_at, updated_at)
    values ('${h.user}', 'worker@runs.test', 'authenticated', 'authenticated', now(), now(), now());
    insert into public.devices (id, user_id, name, role, helper_enabled, helper_config, paired_at) values
      ('${h.device}', '${h.user}', 'worker box', 'llm_host', true, '{"max_concurrent": 2}', now()),
      ('${h.otherDevice}', '${h.user}', 'second box', 'workstation', true, '{"max_concurrent": 1}', now());
    insert into private.device_secrets (device_id, secret_hash) values
      ('${h.device}', private.hash_code('${h.secret}')),
      ('${h.otherDevice}', private.hash_code('${h.otherSecret}'));
    insert into ops.projects (id, name, created_by) values
      ('${h.project}', 'Worker project', '${h.user}'),
      ('${h.otherProject}', 'Not enabled here', '${h.user}');
    insert into ops.project_memberships (project_id, user_id, role) values
      ('${h.project}', '${h.user}', 'owner'),
      ('${h.otherProject}', '${h.user}', 'owner')
      on conflict do nothing;
    insert into public.device_run_projects (device_id, project_id, user_id) values
      ('${h.device}', '${h.project}', '${h.user}'),
      ('${h.otherDevice}', '${h.project}', '${h.user}');
  `)

  const routes: Record<string, Route> = {
    session: (await import("@/app/api/device/v1/runs/session/route")).POST,
    claim: (await import("@/app/api/device/v1/runs/claim/route")).POST,
    start: (await import("@/app/api/device/v1/runs/[id]/start/route")).POST,
    heartbeat: (await import("@/app/api/device/v1/runs/[id]/heartbeat/route"))
      .POST,
    logs: (await import("@/app/api/device/v1/runs/[id]/logs/route")).POST,
    events: (await import("@/app/api/device/v1/runs/[id]/events/route")).POST,
    artifacts: (await import("@/app/api/device/v1/runs/[id]/artifacts/route"))
      .POST,
    "artifacts/upload": (
      await import("@/app/api/device/v1/runs/[id]/artifacts/upload/route")
    ).POST,
    complete: (await import("@/app/api/device/v1/runs/[id]/complete/route"))
      .POST,
    stopped: (await import("@/app/api/device/v1/runs/[id]/stopped/route")).POST,
  }
  const inProcessFetch: typeof fetch = async (input, init) => {
    const url =
      typeof input === "string"
        ? input
        : input instanceof URL
          ? input.href
          : input.url
    if (new URL(url).origin !== new URL(h.server).origin)
      return fetch(input, init)
    const request = new Request(input, init)
    const parts = new URL(request.url).pathname
      .replace("/api/device/v1/runs/", "")
      .split("/")
    const [first, second, ...rest] = parts
    const route = routes[[second ?? first ?? "", ...rest].join("/")]
    if (!route) return new Response("not found", { status: 404 })

    return route(request, {
      params: Promise.resolve({ id: second ? (first ?? "") : "" }),
    })
  }
  const userToken = () =>
    stack.keys.signAccessToken({
      sub: h.user,
      role: "authenticated",
      aud: "authenticated",
      email: "worker@runs.test",
      exp: Math.floor(Date.now() / 1000) + 3600,
    })

  return { stack, fetch: inProcessFetch, userToken }
}
