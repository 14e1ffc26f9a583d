"use client"

import * as React from "react"
import Link from "next/link"
import {
  Bot,
  ChevronLeft,
  ChevronRight,
  MessageSquareText,
  Pencil,
  RefreshCw,
  Send,
  Square,
  User,
} from "lucide-react"
import { v4 as uuidv4 } from "uuid"

import {
  pushChat,
  type ChatMessage,
  type ChatSession,
} from "@/lib/chat/chat-sync"
import { type ChatDevice } from "@/lib/chat/queries"
import { type ChatTunnel } from "@/lib/chat/tunnel"
import { deriveOnlineState } from "@/lib/devices/online"
import {
  formatDuration,
  formatTokensPerSecond,
} from "@/lib/sessions/session-format"
import {
  buildMessageTree,
  ROOT,
  siblingInfo,
  visiblePath,
  type BranchSelection,
} from "@/lib/sessions/session-tree"
import { createClient } from "@/lib/supabase/client"
import { cn } from "@/lib/utils"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import { Textarea } from "@/components/ui/textarea"
import { LiveIndicator } from "@/components/devices/live-indicator"
import { Markdown } from "@/components/sessions/detail/markdown"
import { CommandHint, EmptyState } from "@/components/shell/empty-state"

import { createChatController, type ChatSettings } from "./chat-controller"
import { useChatRelay } from "./use-chat-relay"
import { useChatRoute } from "./use-chat-route"
import { useChatTunnel } from "./use-chat-tunnel"

// The /chat page (issue #18): pick a device and a model, and talk to it through its agent's
// relay (components/chat/use-chat-relay.ts), or, for an own device with a tunnel_url when the
// user prefers it, through the tunnel directly (use-chat-tunnel.ts). The conversation is a synced session written
// through sync_push as it streams (lib/chat/chat-sync.ts); regenerating an answer adds a
// sibling (a branch, switched with "n / m"), as on the session page.

export type ChatViewProps = {
  userId: string
  devices: ChatDevice[]
  /** The user's own devices' tunnels (lib/chat/tunnel.ts); the page's CSP allows exactly these. */
  tunnels: ChatTunnel[]
  serverNow: string
  /** `unsaved`: a copy of another member's session, written with the first change. */
  initial: {
    session: ChatSession
    messages: ChatMessage[]
    unsaved?: boolean
  } | null
  notice: string | null
}

function isOnline(lastSeenAt: string | null, now: number) {
  return (
    deriveOnlineState({ last_seen_at: lastSeenAt, revoked_at: null }, now) ===
    "online"
  )
}

function firstChoice(devices: ChatDevice[], now: number) {
  return (
    devices.find(
      (d) => d.role === "llm_host" && isOnline(d.last_seen_at, now)
    ) ??
    devices.find((d) => isOnline(d.last_seen_at, now)) ??
    devices[0] ??
    null
  )
}

/**
 * An answer's markdown, parsed again only when its text changes: each streamed chunk
 * re-renders the conversation, and re-parsing every earlier answer made the first chunk of a
 * long chat render late (issue #18's time to first token).
 */
const MessageMarkdown = React.memo(function MessageMarkdown({
  content,
}: {
  content: string
}) {
  return <Markdown>{content}</Markdown>
})

export function ChatView({
  userId,
  devices,
  tunnels,
  serverNow,
  initial,
  notice,
}: ChatViewProps) {
  const now = Date.parse(serverNow)
  const [deviceId, setDeviceId] = React.useState<string | null>(
    () =>
      (initial?.session.device_id &&
      devices.some((d) => d.id === initial.session.device_id)
        ? initial.session.device_id
        : firstChoice(devices, now)?.id) ?? null
  )
  const device = devices.find((d) => d.id === deviceId) ?? null
  const [models, setModels] = React.useState<string[]>(
    () => device?.models_loaded ?? []
  )
  const [model, setModel] = React.useState<string>(
    () => initial?.session.model ?? device?.models_loaded[0] ?? ""
  )
  const [systemPrompt, setSystemPrompt] = React.useState(
    initial?.session.options.system_prompt ?? ""
  )
  const [temperature, setTemperature] = React.useState(
    initial?.session.options.temperature?.toString() ?? ""
  )
  const [maxTokens, setMaxTokens] = React.useState(
    initial?.session.options.max_tokens?.toString() ?? ""
  )
  const [draft, setDraft] = React.useState("")
  const [selection, setSelection] = React.useState<BranchSelection>({})
  const [modelsNote, setModelsNote] = React.useState<string | null>(null)
  const [controller] = React.useState(() => {
    const supabase = createClient()
    return createChatController({
      initial,
      push: (batch) => pushChat(supabase, batch),
    })
  })
  const { session, messages, streaming, problems, saveError } =
    React.useSyncExternalStore(
      controller.subscribe,
      controller.getSnapshot,
      controller.getSnapshot
    )
  const relayTransport = useChatRelay(deviceId, userId)
  const tunnel = tunnels.find((t) => t.deviceId === deviceId) ?? null
  const [route, setRoute] = useChatRoute(deviceId)
  const tunnelTransport = useChatTunnel(tunnel, route === "tunnel")
  // The tunnel when chosen and the browser may call it; the relay otherwise (a refused or
  // offline tunnel falls back to it, and the page says why).
  const useTunnel =
    route === "tunnel" && tunnel !== null && tunnelTransport.state === "live"
  const relay = useTunnel ? tunnelTransport : relayTransport
  const tunnelNote =
    route === "tunnel" && tunnel
      ? tunnelTransport.state === "live"
        ? `Calling ${tunnel.origin} directly.`
        : tunnelTransport.state === "offline"
          ? `${tunnelTransport.problem ?? "The tunnel did not answer."} Chatting through the relay instead.`
          : `Checking ${tunnel.origin}…`
      : null

  const tree = buildMessageTree([...messages.values()])
  const path = visiblePath(tree, selection)

  function settings(): ChatSettings {
    const t = Number.parseFloat(temperature)
    const m = Number.parseInt(maxTokens, 10)
    return {
      deviceId,
      model,
      systemPrompt,
      options: {
        ...(Number.isFinite(t) && t >= 0 && t <= 2 ? { temperature: t } : {}),
        ...(Number.isInteger(m) && m >= 1 && m <= 131_072
          ? { max_tokens: m }
          : {}),
      },
    }
  }

  function send(event?: React.FormEvent) {
    event?.preventDefault()
    const text = draft.trim()
    if (!text || streaming || !model || relay.state !== "live") return
    const last = path.at(-1) ?? null
    const sent = controller.send(text, last, settings(), relay.chat)
    setSelection((current) => ({
      ...current,
      ...(last ? { [last.id]: sent.userId } : {}),
      [sent.userId]: sent.answerId,
    }))
    setDraft("")
  }

  function regenerate(message: ChatMessage) {
    if (streaming) return
    const made = controller.regenerate(message.id, settings(), relay.chat)
    if (made) {
      setSelection((current) => ({
        ...current,
        [made.parentId]: made.answerId,
      }))
    }
  }

  const saveSession = () => controller.saveSession(settings())

  const [editing, setEditing] = React.useState<{
    id: string
    text: string
  } | null>(null)

  function sendEdit(event: React.FormEvent) {
    event.preventDefault()
    const text = editing?.text.trim()
    if (!editing || !text || streaming || relay.state !== "live") return
    const made = controller.edit(editing.id, text, settings(), relay.chat)
    if (made) {
      setSelection((current) => ({
        ...current,
        [made.parentKey ?? ROOT]: made.userId,
        [made.userId]: made.answerId,
      }))
    }
    setEditing(null)
  }

  async function refreshModels() {
    setModelsNote("Asking the host…")
    const answerOf = await relay.listModels(uuidv4())
    if ("models" in answerOf) {
      const loaded = answerOf.models.filter((m) => m.loaded).map((m) => m.id)
      setModels(loaded)
      if (!loaded.includes(model)) setModel(loaded[0] ?? "")
      setModelsNote(
        `${loaded.length} model${loaded.length === 1 ? "" : "s"} loaded${answerOf.server ? ` (${answerOf.server})` : ""}.`
      )
    } else {
      setModelsNote(answerOf.message)
    }
  }

  if (devices.length === 0) {
    return (
      <EmptyState
        icon={MessageSquareText}
        title="No device to chat with"
        description="Pair an LLM host, then run this on it to relay chats from here to its models:"
      >
        <CommandHint command="npm run device -- serve" />
        <Button asChild>
          <Link href="/pair">Pair a device</Link>
        </Button>
      </EmptyState>
    )
  }

  const online = device ? isOnline(device.last_seen_at, now) : false
  const canSend =
    Boolean(draft.trim()) &&
    Boolean(model) &&
    !streaming &&
    relay.state === "live"

  return (
    <div className="flex flex-col gap-4">
      {notice ? (
        <p role="status" className="rounded-md border px-3 py-2 text-sm">
          {notice}
        </p>
      ) : null}
      <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] sm:items-end">
        <div className="grid gap-1.5">
          <Label htmlFor="chat-device">Device</Label>
          <select
            id="chat-device"
            className="h-9 rounded-md border bg-background px-2 text-sm"
            value={deviceId ?? ""}
            disabled={Boolean(streaming)}
            onChange={(event) => {
              const next = devices.find((d) => d.id === event.target.value)
              setDeviceId(next?.id ?? null)
              setModels(next?.models_loaded ?? [])
              setModel(next?.models_loaded[0] ?? "")
              setModelsNote(null)
            }}
          >
            {devices.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
                {d.role === "llm_host" ? " · LLM host" : ""}
                {isOnline(d.last_seen_at, now) ? " · online" : " · offline"}
                {d.own ? "" : " · shared"}
              </option>
            ))}
          </select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="chat-model">Model</Label>
          <select
            id="chat-model"
            className="h-9 rounded-md border bg-background px-2 text-sm"
            value={model}
            disabled={Boolean(streaming)}
            onChange={(event) => setModel(event.target.value)}
          >
            {models.length === 0 ? (
              <option value="">No loaded model reported</option>
            ) : null}
            {models.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <Button
          type="button"
          variant="outline"
          onClick={() => void refreshModels()}
          disabled={relay.state !== "live"}
        >
          <RefreshCw aria-hidden="true" />
          Ask the host
        </Button>
      </div>
      {tunnel ? (
        <fieldset className="flex min-w-0 flex-wrap items-center gap-x-4 gap-y-2 text-sm">
          <legend className="sr-only">How to reach this device</legend>
          <span className="font-medium" aria-hidden="true">
            Reach it
          </span>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="chat-route"
              value="relay"
              checked={route === "relay"}
              disabled={Boolean(streaming)}
              onChange={() => setRoute("relay")}
              className="accent-primary"
            />
            Through its agent (relay)
          </label>
          <label className="flex min-w-0 items-center gap-2">
            <input
              type="radio"
              name="chat-route"
              value="tunnel"
              checked={route === "tunnel"}
              disabled={Boolean(streaming)}
              onChange={() => setRoute("tunnel")}
              className="accent-primary"
            />
            <span className="truncate" title={tunnel.origin}>
              Directly, at {tunnel.origin}
            </span>
          </label>
          {tunnelNote ? (
            <span
              role="status"
              className={cn(
                "basis-full text-muted-foreground",
                tunnelTransport.state === "offline" && "text-destructive"
              )}
            >
              {tunnelNote}
            </span>
          ) : null}
        </fieldset>
      ) : null}
      <div className="flex flex-wrap items-center gap-3 text-sm text-muted-foreground">
        <LiveIndicator state={relay.state} />
        {!online ? (
          <span>
            This device has not reported in the last 90 s; start{" "}
            <code>npm run device -- serve</code> on it.
          </span>
        ) : null}
        {modelsNote ? <span role="status">{modelsNote}</span> : null}
        {/* A copy of another member's session exists only once written. */}
        {session && session.version > 0 ? (
          <Link
            href={`/sessions/${session.id}`}
            className="text-primary underline underline-offset-4"
          >
            Open in Sessions
          </Link>
        ) : null}
      </div>

      <details className="rounded-md border px-3 py-2">
        <summary className="cursor-pointer text-sm font-medium">
          Settings for this chat
        </summary>
        <div className="mt-3 grid gap-3 sm:grid-cols-2">
          <div className="grid gap-1.5 sm:col-span-2">
            <Label htmlFor="chat-system">System prompt</Label>
            <Textarea
              id="chat-system"
              value={systemPrompt}
              onChange={(event) => setSystemPrompt(event.target.value)}
              onBlur={saveSession}
              rows={2}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="chat-temperature">Temperature (0–2)</Label>
            <Input
              id="chat-temperature"
              type="number"
              inputMode="decimal"
              min={0}
              max={2}
              step={0.1}
              value={temperature}
              placeholder="The server's default"
              onChange={(event) => setTemperature(event.target.value)}
              onBlur={saveSession}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="chat-max-tokens">Max tokens</Label>
            <Input
              id="chat-max-tokens"
              type="number"
              inputMode="numeric"
              min={1}
              max={131072}
              value={maxTokens}
              placeholder="The server's default"
              onChange={(event) => setMaxTokens(event.target.value)}
              onBlur={saveSession}
            />
          </div>
        </div>
      </details>

      <ol aria-label="Conversation" className="flex flex-col gap-3">
        {path.length === 0 ? (
          <li className="text-sm text-muted-foreground">
            Nothing said yet. Your messages and the answers are saved as a
            session you can reopen from Sessions.
          </li>
        ) : null}
        {path.map((message) => {
          const siblings = siblingInfo(tree, message.id)
          const problem = problems[message.id]
          const live = streaming?.messageId === message.id
          return (
            <li
              key={message.id}
              data-role={message.role}
              className={cn(
                "rounded-lg border p-3",
                message.role === "user" ? "bg-muted/40" : "bg-background"
              )}
            >
              <div className="mb-1 flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
                {message.role === "user" ? (
                  <User aria-hidden="true" className="size-3.5" />
                ) : (
                  <Bot aria-hidden="true" className="size-3.5" />
                )}
                <span className="font-medium text-foreground">
                  {message.role === "user" ? "You" : (message.model ?? "Model")}
                </span>
                {siblings && siblings.count > 1 ? (
                  <span className="inline-flex items-center gap-1">
                    <Button
                      type="button"
                      variant="ghost"
                      size="icon"
                      className="size-6"
                      aria-label="Previous branch"
                      disabled={!siblings.previous || Boolean(streaming)}
                      onClick={() =>
                        siblings.previous &&
                        setSelection((s) => ({
                          ...s,
                          [siblings.key]: siblings.previous!,
                        }))
                      }
                    >
                      <ChevronLeft aria-hidden="true" />
                    </Button>
                    <span
                      className="tabular-nums"
                      aria-label={`Branch ${siblings.position} of ${siblings.count}`}
                    >
                      {siblings.position} / {siblings.count}
                    </span>
                    <Button
                      type="button"
                      variant="ghost"
                      size="icon"
                      className="size-6"
                      aria-label="Next branch"
                      disabled={!siblings.next || Boolean(streaming)}
                      onClick={() =>
                        siblings.next &&
                        setSelection((s) => ({
                          ...s,
                          [siblings.key]: siblings.next!,
                        }))
                      }
                    >
                      <ChevronRight aria-hidden="true" />
                    </Button>
                  </span>
                ) : null}
                {message.tokens_per_second != null ? (
                  <span>
                    {formatTokensPerSecond(message.tokens_per_second)}
                  </span>
                ) : null}
                {message.time_to_first_token_ms != null ? (
                  <span>
                    first token {formatDuration(message.time_to_first_token_ms)}
                  </span>
                ) : null}
                {message.output_tokens != null ? (
                  <span>{message.output_tokens} tokens</span>
                ) : null}
              </div>
              {message.role === "assistant" ? (
                <div aria-live={live ? "polite" : undefined} aria-busy={live}>
                  {message.content ? (
                    <MessageMarkdown content={message.content} />
                  ) : live ? (
                    <p className="text-sm text-muted-foreground">Thinking…</p>
                  ) : null}
                </div>
              ) : editing?.id === message.id ? (
                <form onSubmit={sendEdit} className="grid gap-2">
                  <Label htmlFor={`edit-${message.id}`} className="sr-only">
                    Edited message
                  </Label>
                  <Textarea
                    id={`edit-${message.id}`}
                    value={editing.text}
                    rows={3}
                    autoFocus
                    onChange={(event) =>
                      setEditing({ id: message.id, text: event.target.value })
                    }
                    onKeyDown={(event) => {
                      if (event.key === "Escape") setEditing(null)
                    }}
                  />
                  <div className="flex justify-end gap-2">
                    <Button
                      type="button"
                      variant="ghost"
                      size="sm"
                      onClick={() => setEditing(null)}
                    >
                      Cancel
                    </Button>
                    <Button
                      type="submit"
                      size="sm"
                      disabled={
                        !editing.text.trim() ||
                        Boolean(streaming) ||
                        relay.state !== "live"
                      }
                    >
                      Send as a new branch
                    </Button>
                  </div>
                </form>
              ) : (
                <p className="text-sm whitespace-pre-wrap">{message.content}</p>
              )}
              {message.role === "user" && editing?.id !== message.id ? (
                <div className="mt-2">
                  <Button
                    type="button"
                    variant="ghost"
                    size="sm"
                    disabled={Boolean(streaming)}
                    onClick={() =>
                      setEditing({ id: message.id, text: message.content })
                    }
                  >
                    <Pencil aria-hidden="true" />
                    Edit
                  </Button>
                </div>
              ) : null}
              {problem ? (
                <p
                  role="alert"
                  className={cn(
                    "mt-2 text-sm",
                    problem.code === "canceled"
                      ? "text-muted-foreground"
                      : "text-destructive"
                  )}
                >
                  {problem.message}
                </p>
              ) : null}
              {message.role === "assistant" && !live ? (
                <div className="mt-2">
                  <Button
                    type="button"
                    variant="ghost"
                    size="sm"
                    disabled={Boolean(streaming) || relay.state !== "live"}
                    onClick={() => regenerate(message)}
                  >
                    <RefreshCw aria-hidden="true" />
                    Regenerate
                  </Button>
                </div>
              ) : null}
            </li>
          )
        })}
      </ol>

      {saveError ? (
        <p role="alert" className="text-sm text-destructive">
          {saveError}
        </p>
      ) : null}

      <form onSubmit={send} className="grid gap-2">
        <Label htmlFor="chat-input">Message</Label>
        <Textarea
          id="chat-input"
          value={draft}
          rows={3}
          placeholder="Ask your model… (Enter sends, Shift+Enter starts a new line)"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault()
              send()
            }
          }}
        />
        <div className="flex justify-end gap-2">
          {streaming ? (
            <Button
              type="button"
              variant="outline"
              onClick={() => relay.cancel(streaming.requestId)}
            >
              <Square aria-hidden="true" />
              Stop
            </Button>
          ) : null}
          <Button type="submit" disabled={!canSend}>
            <Send aria-hidden="true" />
            Send
          </Button>
        </div>
      </form>
    </div>
  )
}
