import { describe, expect, it } from "vitest"

import { deviceAcceleratorSchema } from "@/lib/devices/schema"

import {
  collectAccelerators,
  describeAccelerators,
  parseNvidiaSmi,
  parseRocmSmi,
  parseSystemProfiler,
  type RunTool,
} from "./accelerators"

// Outputs as the tools print them (nvidia-smi 550, rocm-smi 6.x, macOS 14 system_profiler).

const NVIDIA_SMI = `NVIDIA GeForce RTX 4090, 24564, 550.54.14
NVIDIA RTX A6000, 49140, 550.54.14
`

const ROCM_SMI = JSON.stringify({
  card0: {
    "Card Series": "Navi 31 [Radeon RX 7900 XT/7900 XTX]",
    "Card Model": "0x744c",
    "Card Vendor": "Advanced Micro Devices, Inc. [AMD/ATI]",
    "Card SKU": "D70701",
    "VRAM Total Memory (B)": "25753026560",
    "VRAM Total Used Memory (B)": "1021292544",
  },
  card1: {
    "Card series": "Radeon Instinct MI210",
    "VRAM Total Memory (B)": "68702699520",
  },
  system: { "Driver version": "6.7.0" },
})

const SYSTEM_PROFILER_APPLE = JSON.stringify({
  SPDisplaysDataType: [
    {
      _name: "Apple M2 Max",
      spdisplays_mtlgpufamilysupport: "spdisplays_metal3",
      spdisplays_ndrvs: [{ _name: "Color LCD" }],
      spdisplays_vendor: "sppci_vendor_Apple",
      sppci_bus: "spdisplays_builtin",
      sppci_cores: "38",
      sppci_device_type: "spdisplays_gpu",
      sppci_model: "Apple M2 Max",
    },
  ],
})

const SYSTEM_PROFILER_INTEL_MAC = JSON.stringify({
  SPDisplaysDataType: [
    {
      _name: "AMD Radeon Pro 5500M",
      spdisplays_vendor: "sppci_vendor_amd",
      spdisplays_vram: "8 GB",
      sppci_model: "AMD Radeon Pro 5500M",
    },
    {
      _name: "Intel UHD Graphics 630",
      spdisplays_vendor: "sppci_vendor_intel",
      spdisplays_vram_shared: "1536 MB",
      sppci_model: "Intel UHD Graphics 630",
    },
  ],
})

describe("parseNvidiaSmi", () => {
  it("reads one GPU a line, memory from MiB", () => {
    expect(parseNvidiaSmi(NVIDIA_SMI)).toEqual([
      {
        name: "NVIDIA GeForce RTX 4090",
        vendor: "nvidia",
        memory_gb: 24,
        driver: "550.54.14",
      },
      {
        name: "NVIDIA RTX A6000",
        vendor: "nvidia",
        memory_gb: 48,
        driver: "550.54.14",
      },
    ])
  })

  it("keeps a GPU whose memory reads [N/A], without memory", () => {
    expect(parseNvidiaSmi("NVIDIA GB10, [N/A], 580.95.05\n")).toEqual([
      { name: "NVIDIA GB10", vendor: "nvidia", driver: "580.95.05" },
    ])
    expect(parseNvidiaSmi("")).toEqual([])
  })
})

describe("parseRocmSmi", () => {
  it("reads each card, whichever spelling its release uses", () => {
    expect(parseRocmSmi(ROCM_SMI)).toEqual([
      {
        name: "Navi 31 [Radeon RX 7900 XT/7900 XTX]",
        vendor: "amd",
        memory_gb: 24,
      },
      { name: "Radeon Instinct MI210", vendor: "amd", memory_gb: 64 },
    ])
  })

  it("finds nothing in output it does not understand", () => {
    expect(parseRocmSmi("WARNING: No AMD GPUs specified")).toEqual([])
    expect(parseRocmSmi("null")).toEqual([])
  })
})

describe("parseSystemProfiler", () => {
  it("reads Apple silicon's GPU cores and shared memory", () => {
    expect(parseSystemProfiler(SYSTEM_PROFILER_APPLE)).toEqual([
      {
        name: "Apple M2 Max",
        vendor: "apple",
        cores: 38,
        unified_memory: true,
      },
    ])
  })

  it("reads an Intel Mac's discrete and integrated GPUs with their memory", () => {
    expect(parseSystemProfiler(SYSTEM_PROFILER_INTEL_MAC)).toEqual([
      { name: "AMD Radeon Pro 5500M", vendor: "amd", memory_gb: 8 },
      { name: "Intel UHD Graphics 630", vendor: "intel", memory_gb: 1.5 },
    ])
    expect(parseSystemProfiler("{}")).toEqual([])
  })

  it("gives what the device API accepts", () => {
    for (const accelerator of [
      ...parseSystemProfiler(SYSTEM_PROFILER_APPLE),
      ...parseSystemProfiler(SYSTEM_PROFILER_INTEL_MAC),
      ...parseNvidiaSmi(NVIDIA_SMI),
      ...parseRocmSmi(ROCM_SMI),
    ]) {
      expect(deviceAcceleratorSchema.parse(accelerator)).toEqual(accelerator)
    }
  })
})

describe("collectAccelerators", () => {
  const tools =
    (outputs: Record<string, string | null>): RunTool =>
    async (command) =>
      outputs[command] ?? null

  it("asks nvidia-smi and rocm-smi on Linux; a missing tool adds nothing", async () => {
    const asked: string[] = []
    const run: RunTool = async (command, args) => {
      asked.push(command)

      return tools({ "nvidia-smi": NVIDIA_SMI })(command, args)
    }
    const found = await collectAccelerators({ platform: "linux", run })
    expect(asked.sort()).toEqual(["nvidia-smi", "rocm-smi"])
    expect(found.map((a) => a.name)).toEqual([
      "NVIDIA GeForce RTX 4090",
      "NVIDIA RTX A6000",
    ])
  })

  it("asks system_profiler on macOS, and finds nothing when no tool answers", async () => {
    expect(
      await collectAccelerators({
        platform: "darwin",
        run: tools({ system_profiler: SYSTEM_PROFILER_APPLE }),
      })
    ).toEqual([
      {
        name: "Apple M2 Max",
        vendor: "apple",
        cores: 38,
        unified_memory: true,
      },
    ])
    expect(
      await collectAccelerators({ platform: "linux", run: tools({}) })
    ).toEqual([])
  })

  it("a tool that is not installed is simply absent", async () => {
    // The real runner, for a command that exists nowhere.
    const { runTool } = await import("./accelerators")
    expect(await runTool("lmx-no-such-tool-for-tests", [])).toBeNull()
  })
})

describe("describeAccelerators", () => {
  it("says each kind once, with how many", () => {
    expect(
      describeAccelerators([
        ...parseNvidiaSmi(NVIDIA_SMI),
        ...parseNvidiaSmi("NVIDIA RTX A6000, 49140, 550.54.14"),
      ])
    ).toBe("NVIDIA GeForce RTX 4090 (24 GB), 2 × NVIDIA RTX A6000 (48 GB)")
    expect(
      describeAccelerators(parseSystemProfiler(SYSTEM_PROFILER_APPLE))
    ).toBe("Apple M2 Max (38 cores)")
    expect(describeAccelerators([])).toBeUndefined()
  })
})
