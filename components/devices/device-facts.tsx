import * as React from "react"
import { Cpu, Globe, HardDrive, Network, Server } from "lucide-react"

import { formatCpu, formatLanAddress, formatMemory } from "@/lib/devices/format"
import { type Device } from "@/lib/devices/queries"
import { cn } from "@/lib/utils"
import { Badge } from "@/components/ui/badge"

type FactProps = {
  icon: React.ComponentType<{ className?: string }>
  label: string
  children: React.ReactNode
}

function Fact({ icon: Icon, label, children }: FactProps) {
  return (
    <div className="flex min-w-0 items-start gap-2">
      <Icon
        className="mt-0.5 size-4 shrink-0 text-muted-foreground"
        aria-hidden="true"
      />
      <dt className="sr-only">{label}</dt>
      <dd className="min-w-0 wrap-anywhere">{children}</dd>
    </div>
  )
}

const MODELS_SHOWN = 4

/**
 * Network and inference state side by side: host, LAN address, tunnel, hardware, the LLM
 * server and the models it has loaded. Missing facts are said, not left blank.
 */
/** What the agent calls the server it found (agent/collect.ts), as people name it. */
const SERVER_LABELS: Record<string, string> = {
  lmstudio: "LM Studio",
  ollama: "Ollama",
  "openai-compatible": "OpenAI-compatible server",
}

function serverLabel(server: string | undefined) {
  if (!server) return "LLM server"

  return SERVER_LABELS[server] ?? server
}

type Accelerator = NonNullable<Device["capabilities"]["accelerators"]>[number]

/** " · NVIDIA · 24 GB · driver 550.54" for the per-accelerator list. */
function describeAccelerator(accelerator: Accelerator) {
  return [
    accelerator.vendor,
    accelerator.memory_gb !== undefined &&
      `${formatMemory(accelerator.memory_gb)}${accelerator.unified_memory ? " shared with the CPU" : ""}`,
    accelerator.cores !== undefined && `${accelerator.cores} cores`,
    accelerator.driver && `driver ${accelerator.driver}`,
  ]
    .filter(Boolean)
    .map((part) => ` · ${part}`)
    .join("")
}

export function DeviceFacts({
  device,
  showAllModels = false,
  className,
  ...props
}: React.ComponentProps<"dl"> & { device: Device; showAllModels?: boolean }) {
  const caps = device.capabilities
  const lan = formatLanAddress(device.lan_ip, device.lan_port)
  // gpu is the agent's one-line summary of its accelerators (agent/accelerators.ts).
  const hardware = [
    caps.gpu,
    formatMemory(caps.memory_gb),
    formatCpu(caps.cpu, caps.cpu_cores),
  ].filter(Boolean)
  const models = caps.models_loaded ?? []
  const shown = showAllModels ? models : models.slice(0, MODELS_SHOWN)
  const host = [
    device.hostname,
    device.platform,
    device.app_version && `app ${device.app_version}`,
  ]
    .filter(Boolean)
    .join(" · ")

  return (
    <dl className={cn("grid gap-2 text-sm", className)} {...props}>
      <Fact icon={HardDrive} label="Host">
        {host || (
          <span className="text-muted-foreground">Host not reported yet</span>
        )}
      </Fact>
      <Fact icon={Network} label="LAN address">
        {lan ? (
          <span className="font-mono text-xs">{lan}</span>
        ) : (
          <span className="text-muted-foreground">No LAN address reported</span>
        )}
      </Fact>
      <Fact icon={Globe} label="Tunnel URL">
        {device.tunnel_url ? (
          <a
            href={device.tunnel_url}
            target="_blank"
            rel="noreferrer noopener"
            className="font-mono text-xs break-all underline-offset-4 hover:underline"
          >
            {device.tunnel_url}
          </a>
        ) : (
          <span className="text-muted-foreground">No tunnel</span>
        )}
      </Fact>
      <Fact icon={Cpu} label="Hardware">
        {hardware.length ? (
          hardware.join(" · ")
        ) : (
          <span className="text-muted-foreground">Hardware not reported</span>
        )}
        {showAllModels && caps.accelerators?.length ? (
          <ul aria-label="Accelerators" className="mt-1.5 grid gap-1">
            {caps.accelerators.map((accelerator, index) => (
              <li key={index} className="min-w-0 wrap-anywhere">
                <span className="font-medium">{accelerator.name}</span>
                <span className="text-muted-foreground">
                  {describeAccelerator(accelerator)}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </Fact>
      <Fact icon={Server} label="LLM server">
        <div className="space-y-1.5">
          <p>
            {serverLabel(caps.server)}
            {caps.llm_server ? (
              caps.llm_server.reachable ? (
                <span className="text-emerald-700 dark:text-emerald-400">
                  {" "}
                  healthy on port {caps.llm_server.port}
                  {caps.llm_server.latency_ms !== undefined &&
                    ` (${Math.round(caps.llm_server.latency_ms)} ms)`}
                </span>
              ) : (
                <span className="text-red-700 dark:text-red-400">
                  {" "}
                  not answering on port {caps.llm_server.port}
                </span>
              )
            ) : (
              <span className="text-muted-foreground">
                {" "}
                health not reported
              </span>
            )}
            {caps.tokens_per_second !== undefined && (
              <span className="text-muted-foreground">
                {" "}
                · {caps.tokens_per_second.toFixed(1)} tokens/s
              </span>
            )}
          </p>
          {models.length ? (
            <ul aria-label="Loaded models" className="flex flex-wrap gap-1">
              {shown.map((model) => (
                <li key={model} className="max-w-full min-w-0">
                  <Badge
                    variant="secondary"
                    className="block max-w-full truncate font-mono"
                    title={model}
                  >
                    {model}
                  </Badge>
                </li>
              ))}
              {models.length > shown.length && (
                <li>
                  <Badge variant="outline">
                    +{models.length - shown.length} more
                  </Badge>
                </li>
              )}
            </ul>
          ) : (
            <p className="text-muted-foreground">No models loaded</p>
          )}
        </div>
      </Fact>
    </dl>
  )
}
