import { stat } from "node:fs/promises"
import os from "node:os"
import path from "node:path"
import { parseArgs } from "node:util"

import qrcode from "qrcode-terminal"

import { deviceRoleSchema } from "@/lib/devices/schema"

import {
  createDeviceApiClient,
  normalizeServer,
  type DeviceApiClient,
} from "./api-client"
import { appVersion } from "./app-version"
import { sleep as defaultSleep } from "./backoff"
import { collectHeartbeat, DEFAULT_LLM_PORT, describePlatform } from "./collect"
import {
  deleteDeviceConfig,
  readDeviceConfig,
  resolveConfigPath,
  writeDeviceConfig,
  type DeviceConfig,
} from "./config"
import { DeviceAgentError } from "./errors"
import { keepOnline } from "./keep-online"
import { pairDevice } from "./pairing"
import { createRelayApi } from "./relay/api"
import { relayWhenEnabled } from "./relay/relay-when-enabled"
import { runServe } from "./relay/serve"
import { detectSource, isSourceFile } from "./sync/importers"
import { SYNC_SOURCES, type SyncSource } from "./sync/model"
import { pullChanges } from "./sync/pull"
import { type PushProgress } from "./sync/push"
import { describeRun, runSync } from "./sync/run-sync"
import {
  readSyncState,
  resolveStatePath,
  writeSyncState,
  type SyncState,
} from "./sync/state"
import { watchFolder } from "./sync/watch"
import { createWorkerApi } from "./worker/api"
import { readWorkerLocalConfig, workerConfigPath } from "./worker/local-config"
import { runWorker } from "./worker/worker"

// `npm run device -- <command>`: what each command does, with everything it touches passed
// in (console output, environment, fetch, sleep), so tests run it without a network.

export const DEFAULT_SERVER = "http://localhost:3000"

/** How a user starts the agent; every command hint in the console begins with it. */
export const AGENT_INVOCATION = "npm run device --"

/** The commands the agent knows, with the options each accepts besides the global ones. */
export const AGENT_COMMANDS = {
  pair: ["name", "role", "port", "tunnel-url", "once"],
  status: [],
  heartbeat: ["port", "tunnel-url", "watch"],
  sync: ["source", "watch", "dry-run", "pull", "port", "tunnel-url"],
  unpair: [],
  worker: ["data-dir", "once"],
  serve: ["port", "tunnel-url"],
} as const satisfies Record<string, readonly string[]>

export type AgentCommand = keyof typeof AGENT_COMMANDS

export const GLOBAL_OPTIONS = ["server", "config", "help"] as const

export const USAGE = `Usage: ${AGENT_INVOCATION} <command> [options]

Commands:
  pair                 pair this machine with your LMX Console account, then keep it
                       online (a heartbeat every 30 s until stopped; --once sends one)
  status               show the pairing and the last heartbeat
  heartbeat [--watch]  report that this machine is online (every 30 s with --watch)
  sync [PATH]          push chats to the console: LM Studio's conversations folder by
                       default, or PATH (a folder or a file); --watch keeps syncing changed
                       files and keeps the machine online; --pull writes chats changed
                       elsewhere into PATH (default: "sessions" beside the config)
  unpair               forget this machine's device secret (revoke it in the console too)
  worker               run workflow jobs for the projects chosen on this device's page in
                       the console (only when "Let this device run workflow jobs" is on);
                       --once exits after the first run
  serve                relay chats from the console to the LLM server on this machine
                       (chat completions and model listings only) and keep the machine
                       online; --port names the server's port (default: the port set in
                       the console, else the first of 1234, 11434, 8080, 8000 answering)

Options:
  --server URL         the console (default: the paired one, else ${DEFAULT_SERVER})
  --config FILE        the device config file (default: LMX_DEVICE_CONFIG or your config dir)
  --name NAME          pair: the device name shown in the console (default: the hostname)
  --role ROLE          pair: llm_host or workstation (default: llm_host)
  --once               pair: send one heartbeat after pairing and exit; worker: exit
                       after the first run ends
  --data-dir DIR       worker: where runs get their folders and artifacts are kept
                       (default: "worker" beside the config)
  --port PORT          pair, heartbeat, serve: the LLM server's port here, also saved to the
                       console (default: the port set in the console, else ${DEFAULT_LLM_PORT})
  --tunnel-url URL     pair, heartbeat, serve: a public URL that reaches the LLM server
  --watch              heartbeat: keep sending until stopped; sync: keep syncing
  --source SOURCE      sync: lmstudio, openwebui, chatgpt or jsonl (default: guessed from
                       PATH, else lmstudio)
  --dry-run            sync: print what would be pushed, push nothing
  --pull               sync: pull changes made elsewhere instead of pushing
  -h, --help           show this help`

export const KEEP_ONLINE_COMMAND = `${AGENT_INVOCATION} heartbeat --watch`

export type AgentIo = {
  log: (line: string) => void
  error: (line: string) => void
  env: Record<string, string | undefined>
  platform?: NodeJS.Platform
  homedir?: string
  /** The console's and the LLM server's; tests pass a fake. */
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  /** Stops a watching command quietly. */
  signal?: AbortSignal
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
      once: { type: "boolean", default: false },
      source: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      pull: { type: "boolean", default: false },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  })
  const [command, ...rest] = positionals
  // Only sync takes an argument: the folder or file to sync.
  const [target, ...extra] = command === "sync" ? rest : [undefined, ...rest]
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra[0]}`)

  return { command, values, target }
}

function accountLabel(config: Pick<DeviceConfig, "account">) {
  return config.account.email ?? `account ${config.account.id}`
}

/** Runs one agent command; resolves with the process exit code. */
export async function runDeviceCli(
  argv: string[],
  io: AgentIo
): Promise<number> {
  const sleep = io.sleep ?? defaultSleep
  const { log, error: logError } = io

  let cli: ReturnType<typeof parseCli>
  try {
    cli = parseCli(argv)
  } catch (error) {
    logError(`${(error as Error).message}\n\n${USAGE}`)

    return 2
  }
  const { command, values, target } = cli
  if (values.help || !command) {
    log(USAGE)

    return !command && !values.help ? 2 : 0
  }
  const configPath = resolveConfigPath({
    env: values.config ? { LMX_DEVICE_CONFIG: values.config } : io.env,
    platform: io.platform ?? process.platform,
    homedir: io.homedir ?? os.homedir(),
  })

  const statePath = resolveStatePath(configPath)

  function makeClient(server: string): DeviceApiClient {
    return createDeviceApiClient({
      server,
      fetch: io.fetch,
      sleep,
      onRetry: ({ attempt, delayMs, reason }) =>
        logError(
          `  …the console did not answer (${reason}); retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`
        ),
    })
  }

  async function recordHeartbeat(
    config: DeviceConfig,
    ok: boolean,
    message: string
  ) {
    config.last_heartbeat = { at: new Date().toISOString(), ok, message }
    await writeDeviceConfig(configPath, config)
  }

  function chosenPort(config: DeviceConfig) {
    // The console's lan_port wins unless the user names one: the owner may have set it there.
    const chosen = values.port !== undefined
    const port = chosen
      ? Number(values.port)
      : (config.lan_port ?? DEFAULT_LLM_PORT)
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError("--port must be a port number (1-65535)")
    }

    return { port, chosen }
  }

  /** Sends one heartbeat; refusals are recorded for `status` and rethrown. */
  async function sendHeartbeat(config: DeviceConfig, client: DeviceApiClient) {
    const { port, chosen } = chosenPort(config)
    const { heartbeat, llm } = await collectHeartbeat({
      appVersion: appVersion(),
      llmPort: port,
      reportPort: chosen,
      tunnelUrl: values["tunnel-url"],
      fetch: io.fetch,
    })
    const syncStatus = (await readSyncState(statePath, config.device_id)).status
    if (syncStatus) {
      heartbeat.capabilities = {
        ...heartbeat.capabilities,
        sync_status: {
          pending: syncStatus.pending,
          last_error: syncStatus.last_error?.slice(0, 500) ?? null,
          at: syncStatus.at,
        },
      }
    }
    try {
      const answer = await client.heartbeat(config.device_secret, heartbeat)
      config.lan_port = answer.lan_port
      const llmText = llm.reachable
        ? `LLM server on :${port} up${llm.error ? ` (${llm.error})` : ""}, ${llm.models.length} model${llm.models.length === 1 ? "" : "s"} loaded`
        : `no LLM server on :${port} (${llm.error ?? "unreachable"})`
      const message = `${llmText}; LAN ${heartbeat.lan_ip ?? "none"}`
      await recordHeartbeat(config, true, message)
      log(
        `${new Date().toISOString()} heartbeat accepted for "${answer.device_name}": ${message}`
      )

      return answer.next_heartbeat_in
    } catch (error) {
      if (error instanceof DeviceAgentError) {
        await recordHeartbeat(config, false, error.message)
      }
      throw error
    }
  }

  function watch(config: DeviceConfig, client: DeviceApiClient) {
    return keepOnline({
      beat: () => sendHeartbeat(config, client),
      sleep,
      signal: io.signal,
      onRetry: (error, delayMs) =>
        logError(
          `${error.message} Next try in ${Math.round(delayMs / 1000)} s.`
        ),
    })
  }

  async function requireConfig(): Promise<DeviceConfig> {
    const config = await readDeviceConfig(configPath)
    if (!config)
      throw new DeviceAgentError("not_paired", { server: DEFAULT_SERVER })

    return config
  }

  async function commandPair() {
    const existing = await readDeviceConfig(configPath)
    const server = normalizeServer(
      values.server ?? existing?.server ?? DEFAULT_SERVER
    )
    const role = deviceRoleSchema.safeParse(values.role ?? "llm_host")
    if (!role.success)
      throw new UsageError("--role must be llm_host or workstation")
    if (values.watch) {
      throw new UsageError(
        "pair keeps the device online by itself; --watch is for heartbeat"
      )
    }
    const name =
      (values.name ?? os.hostname()).trim().slice(0, 80) || "My machine"
    if (existing) {
      log(
        `This machine is paired as "${existing.device_name}" with ${accountLabel(existing)} on ${existing.server}; pairing again replaces that.\n`
      )
    }

    const client = makeClient(server)
    const grant = await pairDevice({
      client,
      sleep,
      info: {
        name,
        hostname: os.hostname().slice(0, 255) || undefined,
        platform: describePlatform(),
        app_version: appVersion(),
        role: role.data,
      },
      onCode: (started) => {
        log(`Pair "${name}" with LMX Console:\n`)
        log(`  1. Open   ${started.verification_uri_complete}`)
        log(`     (or go to ${started.verification_uri} and enter the code)`)
        log(`  2. Check that the console shows the code  ${started.user_code}`)
        log(`  3. Approve it there.\n`)
        qrcode.generate(
          started.verification_uri_complete,
          { small: true },
          (qr) => log(qr)
        )
        log(
          `Waiting for approval (the code expires in ${Math.round(started.expires_in / 60)} minutes; Ctrl-C to stop)…`
        )
      },
      onPoll: (status, interval) => {
        if (status === "slow_down") {
          logError(
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

    log(`\nPaired "${config.device_name}" with ${accountLabel(config)}.`)
    log(`  device   ${config.device_id}`)
    log(`  secret   saved to ${configPath} (readable only by you)`)
    log(
      `If ${accountLabel(config)} is not your account, revoke the device in the console now and run \`${AGENT_INVOCATION} unpair\`.\n`
    )

    // A device that never reports stays "Never connected" in the console: the first
    // heartbeat goes out now, not when the user remembers another command.
    if (values.once) {
      await sendHeartbeat(config, client)
      log(
        `The console shows it online for the next 90 s. To keep it online, run \`${KEEP_ONLINE_COMMAND}\` on this machine.`
      )

      return
    }
    log(
      `Keeping "${config.device_name}" online: a heartbeat every 30 s while this runs. Ctrl-C stops it; \`${KEEP_ONLINE_COMMAND}\` starts it again.`
    )
    await watch(config, client)
  }

  async function commandStatus() {
    const config = await readDeviceConfig(configPath)
    if (!config) {
      log(`Not paired (no device config at ${configPath}).`)
      log(`Run \`${AGENT_INVOCATION} pair\` to pair this machine.`)

      return
    }
    log(`Paired with   ${config.server}`)
    log(`Account       ${accountLabel(config)}`)
    log(`Device        ${config.device_name} (${config.device_id})`)
    log(`Paired at     ${config.paired_at}`)
    log(`Config        ${configPath}`)
    const last = config.last_heartbeat
    log(
      `Last heartbeat ${last ? `${last.at}: ${last.ok ? "accepted" : "refused"} — ${last.message}` : "none yet"}`
    )
  }

  /** The chat relay while the device's settings turn it on (`serve` relays regardless). */
  function relayIfEnabled(
    config: DeviceConfig,
    server: string,
    signal: AbortSignal | undefined
  ) {
    return relayWhenEnabled({
      api: createRelayApi({
        server,
        secret: config.device_secret,
        fetch: io.fetch,
        sleep,
      }),
      fetch: io.fetch,
      log,
      error: logError,
      signal,
    })
  }

  async function commandHeartbeat() {
    const config = await requireConfig()
    const server = normalizeServer(values.server ?? config.server)
    const client = makeClient(server)
    if (!values.watch) {
      await sendHeartbeat(config, client)

      return
    }
    await Promise.all([
      watch(config, client),
      relayIfEnabled(config, server, io.signal),
    ])
  }

  /** LM Studio's conversations folder: today's, else the one older versions used. */
  async function defaultSyncFolder(): Promise<string | null> {
    const home = io.homedir ?? os.homedir()
    for (const folder of [
      path.join(home, ".lmstudio", "conversations"),
      path.join(home, ".cache", "lm-studio", "conversations"),
    ]) {
      if ((await stat(folder).catch(() => null))?.isDirectory()) return folder
    }

    return null
  }

  async function chooseSource(
    syncTarget: string,
    isFolder: boolean
  ): Promise<SyncSource> {
    if (values.source !== undefined) {
      if (!(SYNC_SOURCES as readonly string[]).includes(values.source)) {
        throw new UsageError(
          `--source must be one of ${SYNC_SOURCES.join(", ")}`
        )
      }

      return values.source as SyncSource
    }

    return (await detectSource(syncTarget, isFolder)) ?? "lmstudio"
  }

  async function saveStatus(state: SyncState, error: string) {
    state.status = {
      pending: state.status?.pending ?? 0,
      last_error: error,
      at: new Date().toISOString(),
    }
    await writeSyncState(statePath, state)
  }

  function showProgress(progress: PushProgress) {
    if (progress.bytesTotal < 1024 * 1024 && progress.itemsTotal < 2000) return
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
    logError(
      `  ${Math.round((progress.items / progress.itemsTotal) * 100)}% · ${progress.messages.toLocaleString("en")}/${progress.messagesTotal.toLocaleString("en")} messages · ${mb(progress.bytes)}/${mb(progress.bytesTotal)} MB`
    )
  }

  async function commandSync() {
    const config = await requireConfig()
    const client = makeClient(values.server ?? config.server)
    const state = await readSyncState(statePath, config.device_id)

    if (values.pull) {
      if (values.watch || values["dry-run"]) {
        throw new UsageError(
          "--pull cannot be combined with --watch or --dry-run"
        )
      }
      const dir = path.resolve(
        target ??
          state.pull.dir ??
          path.join(path.dirname(configPath), "sessions")
      )
      const pulled = await pullChanges({
        fetchPage: (cursor) => client.syncPull(config.device_secret, cursor),
        state,
        saveState: () => writeSyncState(statePath, state),
        dir,
        accountId: config.account.id,
        deviceId: config.device_id,
      })
      log(
        `Pulled ${pulled.changes} changes; wrote ${pulled.written} into ${pulled.files} session files in ${dir} (${pulled.skippedOwn} were this device's own).`
      )

      return
    }

    const syncTarget = target ? path.resolve(target) : await defaultSyncFolder()
    if (!syncTarget) {
      throw new UsageError(
        "No LM Studio conversations folder here (~/.lmstudio/conversations or ~/.cache/lm-studio/conversations); name the folder or file to sync"
      )
    }
    const info = await stat(syncTarget).catch(() => null)
    if (!info)
      throw new Error(
        `Nothing to sync at ${syncTarget}: no such file or folder.`
      )
    const source = await chooseSource(syncTarget, info.isDirectory())
    const dryRun = values["dry-run"]
    if (dryRun && values.watch) {
      throw new UsageError(
        "--dry-run prints one plan; it cannot be combined with --watch"
      )
    }

    const syncOnce = async (file: string) => {
      try {
        const report = await runSync({
          source,
          target: file,
          state,
          statePath,
          dryRun,
          send: (body) => client.syncPush(config.device_secret, body),
          sendAttachments: (attachments) =>
            client.syncAttachments(config.device_secret, attachments),
          fetchImpl: io.fetch,
          log: logError,
          onProgress: showProgress,
        })

        return report
      } catch (error) {
        if (!dryRun && error instanceof Error)
          await saveStatus(state, error.message)
        throw error
      }
    }

    log(
      `${dryRun ? "Dry run: nothing is sent. " : ""}Syncing ${source} chats from ${syncTarget} to ${config.server}…`
    )
    const report = await syncOnce(syncTarget)
    for (const line of describeRun(report, dryRun)) log(line)
    const rejected = (report.push?.rejected ?? 0) + report.plan.rejected.length

    if (!values.watch) {
      if (rejected > 0) {
        throw new Error(
          `${rejected} ${rejected === 1 ? "item was" : "items were"} not accepted (listed above); the rest is synced.`
        )
      }

      return
    }

    const folder = info.isDirectory() ? syncTarget : path.dirname(syncTarget)
    log(
      `Watching ${folder} for changes, and keeping "${config.device_name}" online; Ctrl-C stops.`
    )
    // One run at a time: a file that changes during a run is synced after it.
    let queue = Promise.resolve()
    const onChange = (file: string) => {
      queue = queue.then(async () => {
        try {
          const changed = await syncOnce(file)
          for (const line of describeRun(changed, false))
            log(`${path.basename(file)}: ${line}`)
        } catch (error) {
          logError(`${file}: ${(error as Error).message}`)
        }
      })
    }
    await Promise.all([
      watchFolder({
        folder,
        accept: (file) =>
          info.isDirectory() ? isSourceFile(source, file) : file === syncTarget,
        onChange,
        signal: io.signal,
      }),
      watch(config, client),
    ])
    await queue
  }

  async function commandUnpair() {
    const config = await readDeviceConfig(configPath).catch(() => null)
    const removed = await deleteDeviceConfig(configPath)
    if (!removed) {
      log(`Not paired (no device config at ${configPath}); nothing to forget.`)

      return
    }
    log(`Forgot the device secret (${configPath}).`)
    if (config) {
      log(
        `"${config.device_name}" still appears in the console for ${accountLabel(config)}; revoke it there (${config.server}/devices) so the secret can never be used again.`
      )
    }
  }

  async function commandWorker(): Promise<number> {
    const config = await requireConfig()
    const server = normalizeServer(values.server ?? config.server)
    const dataDir = path.resolve(
      values["data-dir"] ?? path.join(path.dirname(configPath), "worker")
    )
    // A working device is online, as with `serve`: the run page shows its device's online
    // state beside the run. The heartbeats stop with the worker (also after --once).
    const online = new AbortController()
    const stopOnline = () => online.abort()
    io.signal?.addEventListener("abort", stopOnline, { once: true })
    const keeping = keepOnline({
      beat: () => sendHeartbeat(config, makeClient(server)),
      // Its wait ends with the worker, so the command returns at once.
      sleep: (ms) =>
        Promise.race([
          sleep(ms),
          new Promise<void>((resolve) =>
            online.signal.addEventListener("abort", () => resolve(), {
              once: true,
            })
          ),
        ]),
      signal: online.signal,
      onRetry: (error, delayMs) =>
        logError(
          `${error.message} Next try in ${Math.round(delayMs / 1000)} s.`
        ),
    }).catch((error: unknown) =>
      logError(
        `Heartbeats stopped: ${error instanceof Error ? error.message : String(error)}`
      )
    )

    // The relay follows the worker: it stops when the worker ends, whatever the reason.
    const worked = new AbortController()
    const stopRelay = () => worked.abort()
    io.signal?.addEventListener("abort", stopRelay, { once: true })
    const relaying = values.once
      ? Promise.resolve()
      : relayIfEnabled(config, server, worked.signal)
    try {
      return await runWorker({
        api: createWorkerApi({
          server,
          secret: config.device_secret,
          fetch: io.fetch,
          sleep,
        }),
        dataDir,
        localConfig: await readWorkerLocalConfig(workerConfigPath(configPath)),
        log,
        error: logError,
        signal: io.signal,
        once: values.once,
        env: io.env,
        pgDump: io.env.LMX_PG_DUMP,
      })
    } finally {
      io.signal?.removeEventListener("abort", stopRelay)
      worked.abort()
      online.abort()
      io.signal?.removeEventListener("abort", stopOnline)
      await Promise.all([keeping, relaying])
    }
  }

  async function commandServe(): Promise<number> {
    const config = await requireConfig()
    const server = normalizeServer(values.server ?? config.server)
    const client = makeClient(server)
    const port = values.port === undefined ? undefined : chosenPort(config).port
    log(
      `Relaying chats from ${server} to the LLM server on this machine, and keeping "${config.device_name}" online; Ctrl-C stops.`
    )
    const [code] = await Promise.all([
      runServe({
        api: createRelayApi({
          server,
          secret: config.device_secret,
          fetch: io.fetch,
          sleep,
        }),
        port,
        fetch: io.fetch,
        log,
        error: logError,
        signal: io.signal,
      }),
      watch(config, client),
    ])

    return code
  }

  const commands: Record<AgentCommand, () => Promise<void | number>> = {
    pair: commandPair,
    status: commandStatus,
    heartbeat: commandHeartbeat,
    sync: commandSync,
    unpair: commandUnpair,
    worker: commandWorker,
    serve: commandServe,
  }

  try {
    if (!Object.hasOwn(commands, command)) {
      throw new UsageError(`Unknown command: ${command}`)
    }
    const code = await commands[command as AgentCommand]()

    return typeof code === "number" ? code : 0
  } catch (error) {
    if (error instanceof UsageError) {
      logError(`${error.message}\n\n${USAGE}`)

      return 2
    }
    if (error instanceof Error) {
      logError(error.message)

      return 1
    }
    throw error
  }
}
