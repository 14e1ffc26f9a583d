// How the console writes device facts; times and numbers come from lib/format.ts.

const ROLE_LABELS = {
  llm_host: "LLM host",
  workstation: "Workstation",
} as const

export function formatRole(role: keyof typeof ROLE_LABELS): string {
  return ROLE_LABELS[role]
}

/** `192.168.1.5:1234`, or `[fe80::1]:1234` for IPv6 as URLs write it. */
export function formatLanAddress(
  ip: string | null,
  port: number
): string | null {
  if (!ip) return null
  const host = ip.replace(/\/(32|128)$/, "")

  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`
}

export function formatMemory(gb: number | undefined): string | null {
  if (gb === undefined) return null

  return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB memory`
}

/** The CPU with its logical cores, as the agent counts them (os.cpus()). */
export function formatCpu(
  cpu: string | undefined,
  cores: number | undefined
): string | null {
  if (!cpu) return null

  return cores ? `${cpu} (${cores} threads)` : cpu
}
