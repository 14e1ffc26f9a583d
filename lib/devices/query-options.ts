import { queryOptions } from "@tanstack/react-query"

import { type Client } from "@/lib/supabase/types"

import {
  getDevice,
  getDeviceUsage,
  listDeviceActivity,
  listDeviceModelSpeeds,
  listDeviceRuns,
  listDevices,
  listDeviceSessions,
  listDeviceSyncSummaries,
} from "./queries"
import { getDeviceRunProjects } from "./run-projects"
import { getDeviceWorker } from "./worker"

// The client is an argument, never part of a key: server and browser clients read the same
// rows, so a server prefetch hydrates the browser's query (docs/adding-a-domain.md, step 4).
/* eslint-disable @tanstack/query/exhaustive-deps -- the Supabase client is not a key */
export const deviceKeys = {
  all: ["devices"] as const,
  user: (userId: string) => ["devices", userId] as const,
  list: (userId: string) => ["devices", userId, "list"] as const,
  detail: (userId: string, id: string) =>
    ["devices", userId, "detail", id] as const,
  activity: (userId: string, deviceId?: string) =>
    ["devices", userId, "activity", deviceId ?? "all"] as const,
  sessions: (userId: string, deviceId: string) =>
    ["devices", userId, "sessions", deviceId] as const,
  runs: (userId: string, deviceId: string) =>
    ["devices", userId, "runs", deviceId] as const,
  usage: (userId: string, deviceId: string) =>
    ["devices", userId, "usage", deviceId] as const,
  speeds: (userId: string, deviceId: string) =>
    ["devices", userId, "speeds", deviceId] as const,
  sync: (userId: string) => ["devices", userId, "sync"] as const,
  runProjects: (userId: string, deviceId: string) =>
    ["devices", userId, "run-projects", deviceId] as const,
  worker: (userId: string, deviceId: string) =>
    ["devices", userId, "worker", deviceId] as const,
}

/** How often the worker card asks again: runs and check-ins are not on the devices channel. */
const WORKER_REFETCH_MS = 15_000

export function deviceWorkerQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.worker(userId, deviceId),
    queryFn: () => getDeviceWorker(supabase, { deviceId }),
    refetchInterval: WORKER_REFETCH_MS,
  })
}

export function deviceRunProjectsQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.runProjects(userId, deviceId),
    queryFn: () => getDeviceRunProjects(supabase, { userId, deviceId }),
  })
}

export function deviceSyncQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: deviceKeys.sync(userId),
    queryFn: () => listDeviceSyncSummaries(supabase, { userId }),
  })
}

export function devicesQueryOptions(supabase: Client, userId: string) {
  return queryOptions({
    queryKey: deviceKeys.list(userId),
    queryFn: () => listDevices(supabase, { userId }),
  })
}

export function deviceQueryOptions(
  supabase: Client,
  userId: string,
  id: string
) {
  return queryOptions({
    queryKey: deviceKeys.detail(userId, id),
    queryFn: () => getDevice(supabase, { userId, id }),
  })
}

export function deviceActivityQueryOptions(
  supabase: Client,
  userId: string,
  deviceId?: string
) {
  return queryOptions({
    queryKey: deviceKeys.activity(userId, deviceId),
    queryFn: () => listDeviceActivity(supabase, { userId, deviceId }),
  })
}

export function deviceSessionsQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.sessions(userId, deviceId),
    queryFn: () => listDeviceSessions(supabase, { deviceId }),
  })
}

export function deviceRunsQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.runs(userId, deviceId),
    queryFn: () => listDeviceRuns(supabase, { deviceId }),
  })
}

export function deviceSpeedsQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.speeds(userId, deviceId),
    queryFn: () => listDeviceModelSpeeds(supabase, { deviceId }),
  })
}

export function deviceUsageQueryOptions(
  supabase: Client,
  userId: string,
  deviceId: string
) {
  return queryOptions({
    queryKey: deviceKeys.usage(userId, deviceId),
    queryFn: () => getDeviceUsage(supabase, { deviceId }),
  })
}
