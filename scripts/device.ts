// `npm run device -- <command>`: the reference device agent. Pairs this machine with an
// LMX Console (RFC 8628 device flow), then reports heartbeats with its addresses, hardware
// and the health of the LLM server on its port. The logic lives in agent/.
import { readFileSync } from "node:fs"
import os from "node:os"
import { parseArgs } from "node:util"

import qrcode from "qrcode-terminal"

import {
  createDeviceApiClient,
  type DeviceApiClient,
  normalizeServer,
} from "@/agent/api-client"
import { backoffDelay, sleep } from "@/agent/backoff"
import {
  collectHeartbeat,
  DEFAULT_LLM_PORT,
  describePlatform,
} from "@/agent/collect"
import {
  type DeviceConfig,
  deleteDeviceConfig,
  readDeviceConfig,
  resolveConfigPath,
  writeDeviceConfig,
} from "@/agent/config"
import { DeviceAgentError } from "@/agent/errors"
import { pairDevice } from "@/agent/pairing"
import { deviceRoleSchema } from "@/lib/devices/schema"

const DEFAULT_SERVER = "http://localhost:3000"

const USAGE = `Usage: npm run device -- <command> [options]

Commands:
  pair                 pair this machine with your LMX Console account
  status               show the pairing and the last heartbeat
  heartbeat [--watch]  report that this machine is online (every 30 s with --watch)
  unpair               forget this machine's device secret (revoke it in the console too)

Options:
  --server URL         the console (default: the paired one, else ${DEFAULT_SERVER})
  --config FILE        the device config file (default: LMX_DEVICE_CONFIG or your config dir)
  --name NAME          pair: the device name shown in the console (default: the hostname)
  --role ROLE          pair: llm_host or workstation (default: llm_host)
  --port PORT          heartbeat: the LLM server's port here, also saved to the console
                       (default: the port set in the console, else ${DEFAULT_LLM_PORT})
  --tunnel-url URL     heartbeat: a public URL that reaches the LLM server
  --watch              heartbeat: keep sending until stopped
  -h, --help           show this help`

function appVersion(): string {
  const pkg = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8")
  ) as { version?: string }

  return pkg.version ?? "0.0.0"
}

class UsageError extends Error {}

function parseCli(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string" },
      config: { type: "string" },
      name: { type: "string" },
      role: { type: "string" },
      port: { type: "string" },
      "tunnel-url": { type: "string" },
      watch: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  })
  const [command, ...rest] = positionals
  if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]}`)

  return { command, values }
}

function makeClient(server: string): DeviceApiClient {
  return createDeviceApiClient({
    server,
    onRetry: ({ attempt, delayMs, reason }) =>
      console.error(
        `  …the console did not answer (${reason}); retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`
      ),
  })
}

function accountLabel(config: Pick<DeviceConfig, "account">) {
  return config.account.email ?? `account ${config.account.id}`
}

async function commandPair(
  configPath: string,
  values: ReturnType<typeof parseCli>["values"]
) {
  const existing = await readDeviceConfig(configPath)
  const server = normalizeServer(
    values.server ?? existing?.server ?? DEFAULT_SERVER
  )
  const role = deviceRoleSchema.safeParse(values.role ?? "llm_host")
  if (!role.success)
    throw new UsageError("--role must be llm_host or workstation")
  const name =
    (values.name ?? os.hostname()).trim().slice(0, 80) || "My machine"
  if (existing) {
    console.log(
      `This machine is paired as "${existing.device_name}" with ${accountLabel(existing)} on ${existing.server}; pairing again replaces that.\n`
    )
  }

  const client = makeClient(server)
  const grant = await pairDevice({
    client,
    info: {
      name,
      hostname: os.hostname().slice(0, 255) || undefined,
      platform: describePlatform(),
      app_version: appVersion(),
      role: role.data,
    },
    onCode: (started) => {
      console.log(`Pair "${name}" with LMX Console:\n`)
      console.log(`  1. Open   ${started.verification_uri_complete}`)
      console.log(
        `     (or go to ${started.verification_uri} and enter the code)`
      )
      console.log(
        `  2. Check that the console shows the code  ${started.user_code}`
      )
      console.log(`  3. Approve it there.\n`)
      qrcode.generate(
        started.verification_uri_complete,
        { small: true },
        (qr) => console.log(qr)
      )
      console.log(
        `Waiting for approval (the code expires in ${Math.round(started.expires_in / 60)} minutes; Ctrl-C to stop)…`
      )
    },
    onPoll: (status, interval) => {
      if (status === "slow_down") {
        console.error(
          `  …the console asked to poll less often: every ${interval} s now`
        )
      }
    },
  })

  const config: DeviceConfig = {
    version: 1,
    server,
    device_id: grant.device_id,
    device_name: grant.device_name || name,
    device_secret: grant.access_token,
    account: grant.account,
    paired_at: new Date().toISOString(),
  }
  await writeDeviceConfig(configPath, config)

  console.log(`\nPaired "${config.device_name}" with ${accountLabel(config)}.`)
  console.log(`  device   ${config.device_id}`)
  console.log(`  secret   saved to ${configPath} (readable only by you)`)
  console.log(
    `If ${accountLabel(config)} is not your account, revoke the device in the console now and run \`npm run device -- unpair\`.`
  )
  console.log(
    "Next: `npm run device -- heartbeat --watch` keeps it online in the console."
  )
}

async function commandStatus(configPath: string) {
  const config = await readDeviceConfig(configPath)
  if (!config) {
    console.log(`Not paired (no device config at ${configPath}).`)
    console.log("Run `npm run device -- pair` to pair this machine.")

    return
  }
  console.log(`Paired with   ${config.server}`)
  console.log(`Account       ${accountLabel(config)}`)
  console.log(`Device        ${config.device_name} (${config.device_id})`)
  console.log(`Paired at     ${config.paired_at}`)
  console.log(`Config        ${configPath}`)
  const last = config.last_heartbeat
  console.log(
    `Last heartbeat ${last ? `${last.at}: ${last.ok ? "accepted" : "refused"} — ${last.message}` : "none yet"}`
  )
}

async function requireConfig(configPath: string): Promise<DeviceConfig> {
  const config = await readDeviceConfig(configPath)
  if (!config)
    throw new DeviceAgentError("not_paired", { server: DEFAULT_SERVER })

  return config
}

async function recordHeartbeat(
  configPath: string,
  config: DeviceConfig,
  ok: boolean,
  message: string
) {
  config.last_heartbeat = { at: new Date().toISOString(), ok, message }
  await writeDeviceConfig(configPath, config)
}

/** Sends one heartbeat; refusals are recorded for `status` and rethrown. */
async function sendHeartbeat(
  configPath: string,
  config: DeviceConfig,
  client: DeviceApiClient,
  values: ReturnType<typeof parseCli>["values"]
) {
  // The console's lan_port wins unless the user names one: the owner may have set it there.
  const chosen = values.port !== undefined
  const port = chosen
    ? Number(values.port)
    : (config.lan_port ?? DEFAULT_LLM_PORT)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError("--port must be a port number (1-65535)")
  }
  const { heartbeat, llm } = await collectHeartbeat({
    appVersion: appVersion(),
    llmPort: port,
    reportPort: chosen,
    tunnelUrl: values["tunnel-url"],
  })
  try {
    const answer = await client.heartbeat(config.device_secret, heartbeat)
    config.lan_port = answer.lan_port
    const llmText = llm.reachable
      ? `LLM server on :${port} up${llm.error ? ` (${llm.error})` : ""}, ${llm.models.length} model${llm.models.length === 1 ? "" : "s"} loaded`
      : `no LLM server on :${port} (${llm.error ?? "unreachable"})`
    const message = `${llmText}; LAN ${heartbeat.lan_ip ?? "none"}`
    await recordHeartbeat(configPath, config, true, message)
    console.log(
      `${new Date().toISOString()} heartbeat accepted for "${answer.device_name}": ${message}`
    )

    return answer.next_heartbeat_in
  } catch (error) {
    if (error instanceof DeviceAgentError) {
      await recordHeartbeat(configPath, config, false, error.message)
    }
    throw error
  }
}

async function commandHeartbeat(
  configPath: string,
  values: ReturnType<typeof parseCli>["values"]
) {
  const config = await requireConfig(configPath)
  const client = makeClient(values.server ?? config.server)
  if (!values.watch) {
    await sendHeartbeat(configPath, config, client, values)

    return
  }

  let failures = 0
  for (;;) {
    let waitSeconds: number
    try {
      waitSeconds = await sendHeartbeat(configPath, config, client, values)
      failures = 0
    } catch (error) {
      // The console being away is not fatal to a watcher; being refused is.
      const transient =
        error instanceof DeviceAgentError &&
        ["network_error", "service_unavailable", "rate_limited"].includes(
          error.code
        )
      if (!transient) throw error
      const delay = backoffDelay(failures, { baseMs: 5_000, maxMs: 300_000 })
      failures += 1
      console.error(
        `${error.message} Next try in ${Math.round(delay / 1000)} s.`
      )
      await sleep(delay)
      continue
    }
    await sleep(waitSeconds * 1000)
  }
}

async function commandUnpair(configPath: string) {
  const config = await readDeviceConfig(configPath).catch(() => null)
  const removed = await deleteDeviceConfig(configPath)
  if (!removed) {
    console.log(
      `Not paired (no device config at ${configPath}); nothing to forget.`
    )

    return
  }
  console.log(`Forgot the device secret (${configPath}).`)
  if (config) {
    console.log(
      `"${config.device_name}" still appears in the console for ${accountLabel(config)}; revoke it there (${config.server}/devices) so the secret can never be used again.`
    )
  }
}

async function main() {
  let cli: ReturnType<typeof parseCli>
  try {
    cli = parseCli(process.argv.slice(2))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2

    return
  }
  const { command, values } = cli
  if (values.help || !command) {
    console.log(USAGE)
    if (!command && !values.help) process.exitCode = 2

    return
  }
  const configPath = values.config
    ? resolveConfigPath({
        env: { LMX_DEVICE_CONFIG: values.config },
        platform: process.platform,
        homedir: os.homedir(),
      })
    : resolveConfigPath({
        env: process.env,
        platform: process.platform,
        homedir: os.homedir(),
      })

  try {
    switch (command) {
      case "pair":
        return await commandPair(configPath, values)
      case "status":
        return await commandStatus(configPath)
      case "heartbeat":
        return await commandHeartbeat(configPath, values)
      case "unpair":
        return await commandUnpair(configPath)
      default:
        throw new UsageError(`Unknown command: ${command}`)
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else if (error instanceof DeviceAgentError || error instanceof Error) {
      console.error(error.message)
      process.exitCode = 1
    } else {
      throw error
    }
  }
}

process.on("SIGINT", () => {
  console.error("\nStopped.")
  process.exit(130)
})

await main()
