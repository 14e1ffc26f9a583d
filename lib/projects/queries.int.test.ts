import { randomUUID } from "node:crypto"

import {
  startTestStack,
  TEST_ENGINE,
  type TestStack,
} from "@lmx/supabase-local/testing/test-stack"
import { createClient } from "@supabase/supabase-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"

import { type Database } from "@/lib/database.types"
import { type Client } from "@/lib/supabase/types"
import { signInWithPassword } from "@/supabase/tests/console-clients"

import {
  getProjectBySlug,
  listActivity,
  listAdvisories,
  listInvitations,
  listMembers,
  listMyInvitations,
  listProjectCatalogueAdvisories,
  listProjects,
  listTools,
  listWorkflows,
} from "./queries"

// The projects slice's reads as the console runs them (the demo's own client, RLS on) against
// the seeded stack, including keyset pagination of the audit log through the REST API.
const DEMO = { email: "demo@lmx.local", password: "lmx-demo-password" }

describe(`projects queries on the demo seed (${TEST_ENGINE})`, () => {
  let stack: TestStack
  let demo: Client

  beforeAll(async () => {
    stack = await startTestStack()
    demo = await signInWithPassword(stack, DEMO)
  })
  afterAll(async () => {
    await stack?.stop()
  })

  it("lists the demo's projects with role and counts, and the invitation waiting for them", async () => {
    const projects = await listProjects(demo)
    // Live Demo is the project the dev worker runs (supabase/seed_runs_worker.sql).
    expect(projects.map((p) => [p.slug, p.my_role])).toEqual([
      ["docs-site", "admin"],
      ["live-demo", "owner"],
      ["studio-inference", "owner"],
    ])
    const studio = projects.find((p) => p.slug === "studio-inference")!
    expect(studio.member_count).toBe(5)
    expect(studio.workflow_count).toBeGreaterThan(0)
    expect(await getProjectBySlug(demo, { slug: "model-lab" })).toBeNull()

    const invitations = await listMyInvitations(demo)
    expect(
      invitations.map((i) => [i.project_name, i.role, i.inviter_name])
    ).toEqual([["Model Lab", "developer", "Priya Natarajan"]])
  })

  it("reads members with email, invitations with their state, workflows, tools and advisories", async () => {
    const studio = (await getProjectBySlug(demo, { slug: "studio-inference" }))!
    const members = await listMembers(demo, { projectId: studio.id })
    expect(members.map((m) => m.role)).toEqual([
      "owner",
      "admin",
      "developer",
      "viewer",
      "viewer",
    ])
    expect(members.map((m) => m.email)).toContain("priya@lmx.local")

    const invitations = await listInvitations(demo, {
      projectId: studio.id,
      now: new Date(),
    })
    expect(invitations.map((i) => [i.email, i.status])).toEqual(
      expect.arrayContaining([
        ["casey@lmx.local", "pending"],
        ["robin@lmx.local", "expired"],
      ])
    )
    expect(
      invitations.find((i) => i.email === "casey@lmx.local")?.inviterName
    ).toBe("Priya Natarajan")

    const workflows = await listWorkflows(demo, { projectId: studio.id })
    expect(workflows.at(-1)?.archived_at).not.toBeNull()
    expect((await listTools(demo)).length).toBeGreaterThan(0)
    expect(
      (
        await listAdvisories(demo, {
          scope: { kind: "project", projectId: studio.id },
        })
      ).length
    ).toBeGreaterThan(0)
    // The catalogue's llama.cpp advisory concerns every build but b4500; the studio records b4404.
    expect(
      (
        await listProjectCatalogueAdvisories(demo, { projectId: studio.id })
      ).map((match) => [
        match.tool_name,
        match.recorded_version,
        match.recommended_version,
      ])
    ).toEqual([["llama.cpp", "b4404", "b4500"]])
  })

  it("pages through the audit log newest first without gaps or repeats, and filters it", async () => {
    const studio = (await getProjectBySlug(demo, { slug: "studio-inference" }))!
    const seen: string[] = []
    const times: string[] = []
    let before: string | undefined
    for (let page = 0; page < 100; page++) {
      const result = await listActivity(demo, {
        projectId: studio.id,
        filter: { before },
        limit: 20,
      })
      seen.push(...result.entries.map((e) => e.id))
      times.push(...result.entries.map((e) => e.created_at))
      if (!result.nextCursor) break
      before = result.nextCursor
    }
    const { count } = await demo
      .from("audit_log")
      .select("id", { count: "exact", head: true })
      .eq("project_id", studio.id)
    expect(seen).toHaveLength(count!)
    expect(new Set(seen).size).toBe(seen.length)
    expect([...times].sort().reverse()).toEqual(times)

    const invitations = await listActivity(demo, {
      projectId: studio.id,
      filter: { action: "invitation" },
    })
    expect(invitations.entries.length).toBeGreaterThan(0)
    expect(
      invitations.entries.every((e) => e.action.startsWith("invitation."))
    ).toBe(true)
  })

  it("shows a brand-new account the catalogue, and nothing of anyone's projects", async () => {
    const id = randomUUID()
    const token = await stack.keys.signAccessToken({
      sub: id,
      role: "authenticated",
      aud: "authenticated",
      email: `${id.slice(0, 8)}@example.test`,
      exp: Math.floor(Date.now() / 1000) + 600,
    })
    const newcomer = createClient<Database>(stack.url, stack.keys.anonKey, {
      accessToken: async () => token,
      realtime: {
        transport: WebSocket as unknown as typeof globalThis.WebSocket,
      },
    })
    const tools = await listTools(newcomer)
    expect(tools.length).toBeGreaterThan(0)
    expect(tools.every((tool) => tool.project_id === null)).toBe(true)
    const advisories = await listAdvisories(newcomer, {})
    expect(advisories.length).toBeGreaterThan(0)
    expect(advisories.every((advisory) => advisory.project_id === null)).toBe(
      true
    )
    expect(await listTools(newcomer, { scope: { kind: "catalogue" } })).toEqual(
      tools
    )
  })
})
