import { execFile } from "node:child_process"

import { type DeviceAccelerator } from "@/lib/devices/schema"

// The GPUs and other accelerators of this machine, for the device's capabilities (issue
// #18): nvidia-smi (NVIDIA), rocm-smi (AMD) and system_profiler (macOS, Apple silicon or
// discrete GPUs), each only where installed. A missing tool, a failing one, or output we do
// not understand simply adds nothing; the parsers are pure so tests feed them real outputs.

const GIB = 1024 ** 3
const roundGb = (bytes: number) => Math.round((bytes / GIB) * 10) / 10
const text = (value: unknown, max: number) =>
  typeof value === "string" && value.trim()
    ? value.trim().slice(0, max)
    : undefined

/**
 * `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`:
 * one line per GPU, memory in MiB.
 */
export function parseNvidiaSmi(output: string): DeviceAccelerator[] {
  return output
    .split(/\r?\n/)
    .map((line) => line.split(",").map((field) => field.trim()))
    .filter(([name]) => Boolean(name))
    .map(([name, memoryMib, driver]) => {
      const mib = Number(memoryMib)
      const driverText = text(driver, 50)

      return {
        name: name!.slice(0, 200),
        vendor: "nvidia",
        ...(Number.isFinite(mib) &&
          mib > 0 && { memory_gb: roundGb(mib * 1024 ** 2) }),
        ...(driverText && { driver: driverText }),
      }
    })
}

/**
 * `rocm-smi --showproductname --showmeminfo vram --json`: an object per card ("card0", …)
 * whose key spelling varies between ROCm releases ("Card series" / "Card Series").
 */
export function parseRocmSmi(output: string): DeviceAccelerator[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(output)
  } catch {
    return []
  }
  if (!parsed || typeof parsed !== "object") return []

  return Object.entries(parsed)
    .filter(
      ([key, card]) =>
        /^card\d+$/i.test(key) && card && typeof card === "object"
    )
    .flatMap(([, card]) => {
      const fields = new Map(
        Object.entries(card as Record<string, unknown>).map(([k, v]) => [
          k.toLowerCase(),
          v,
        ])
      )
      const name =
        text(fields.get("card series"), 200) ??
        text(fields.get("card sku"), 200) ??
        text(fields.get("card model"), 200)
      if (!name) return []
      const bytes = Number(fields.get("vram total memory (b)"))

      return [
        {
          name,
          vendor: "amd",
          ...(Number.isFinite(bytes) &&
            bytes > 0 && { memory_gb: roundGb(bytes) }),
        },
      ]
    })
}

const SIZE = /^([\d.]+)\s*(GB|MB)$/i

/** `system_profiler SPDisplaysDataType -json`: Apple silicon GPUs share the machine's memory. */
export function parseSystemProfiler(output: string): DeviceAccelerator[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(output)
  } catch {
    return []
  }
  const displays = (parsed as { SPDisplaysDataType?: unknown } | null)
    ?.SPDisplaysDataType
  if (!Array.isArray(displays)) return []

  return displays.flatMap((gpu: Record<string, unknown>) => {
    const name = text(gpu?.sppci_model, 200) ?? text(gpu?._name, 200)
    if (!name) return []
    const vendorText = String(gpu.spdisplays_vendor ?? "").toLowerCase()
    const vendor = vendorText.includes("apple")
      ? "apple"
      : vendorText.includes("amd") || vendorText.includes("ati")
        ? "amd"
        : vendorText.includes("nvidia")
          ? "nvidia"
          : vendorText.includes("intel")
            ? "intel"
            : undefined
    const cores = Number(gpu.sppci_cores)
    const vram = SIZE.exec(
      String(gpu.spdisplays_vram ?? gpu.spdisplays_vram_shared ?? "")
    )
    const memory_gb = vram
      ? roundGb(
          Number(vram[1]) * (vram[2]!.toUpperCase() === "GB" ? GIB : 1024 ** 2)
        )
      : undefined

    return [
      {
        name,
        ...(vendor && { vendor }),
        ...(Number.isInteger(cores) && cores > 0 && { cores }),
        ...(memory_gb && memory_gb > 0 ? { memory_gb } : {}),
        ...(vendor === "apple" && { unified_memory: true }),
      },
    ]
  })
}

/** Runs a tool; null when it is absent, fails or is slow. */
export type RunTool = (
  command: string,
  args: string[]
) => Promise<string | null>

const TOOL_TIMEOUT_MS = 1500

export const runTool: RunTool = (command, args) =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: TOOL_TIMEOUT_MS, maxBuffer: 1024 * 1024, windowsHide: true },
      (error, stdout) => resolve(error ? null : stdout)
    )
  })

/** Every accelerator the installed tools report, at most 16. */
export async function collectAccelerators({
  platform = process.platform,
  run = runTool,
}: { platform?: NodeJS.Platform; run?: RunTool } = {}): Promise<
  DeviceAccelerator[]
> {
  const probes: [string, string[], (output: string) => DeviceAccelerator[]][] =
    platform === "darwin"
      ? [
          [
            "system_profiler",
            ["SPDisplaysDataType", "-json"],
            parseSystemProfiler,
          ],
        ]
      : [
          [
            "nvidia-smi",
            [
              "--query-gpu=name,memory.total,driver_version",
              "--format=csv,noheader,nounits",
            ],
            parseNvidiaSmi,
          ],
          ...(platform === "linux"
            ? [
                [
                  "rocm-smi",
                  ["--showproductname", "--showmeminfo", "vram", "--json"],
                  parseRocmSmi,
                ] as [
                  string,
                  string[],
                  (output: string) => DeviceAccelerator[],
                ],
              ]
            : []),
        ]
  const found = await Promise.all(
    probes.map(async ([command, args, parse]) => {
      const output = await run(command, args)

      return output === null ? [] : parse(output)
    })
  )

  return found.flat().slice(0, 16)
}

/** One line for the device card: "2 × NVIDIA GeForce RTX 4090 (24 GB)", "Apple M2 Max (38 cores)". */
export function describeAccelerators(
  accelerators: DeviceAccelerator[]
): string | undefined {
  const counts = new Map<string, number>()
  for (const a of accelerators) {
    const detail = [
      a.memory_gb && `${a.memory_gb} GB`,
      a.cores && `${a.cores} cores`,
    ]
      .filter(Boolean)
      .join(", ")
    const label = detail ? `${a.name} (${detail})` : a.name
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  const line = [...counts]
    .map(([label, count]) => (count > 1 ? `${count} × ${label}` : label))
    .join(", ")

  return line ? line.slice(0, 200) : undefined
}
