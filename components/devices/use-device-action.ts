"use client"

import { useQueryClient } from "@tanstack/react-query"

import { type ActionResult } from "@/lib/action-result"
import { type Device } from "@/lib/devices/queries"
import { deviceKeys } from "@/lib/devices/query-options"
import { useAction } from "@/lib/use-action"

/**
 * A device's server action through useAction, with the cache kept in step: on success the
 * device is patched in place in the list and detail queries (so the page shows the change
 * at once), then the user's device queries are refetched (activity included).
 */
export function useDeviceAction<TInput, TData>({
  userId,
  deviceId,
  action,
  patch,
  onSuccess,
}: {
  userId: string
  deviceId: string
  action: (previous: unknown, input: TInput) => Promise<ActionResult<TData>>
  patch?: (device: Device, data: TData, input: TInput) => Device
  onSuccess?: (data: TData) => void
}) {
  const queryClient = useQueryClient()

  return useAction(action, {
    onSuccess: (data, input) => {
      if (patch) {
        const apply = (device: Device) =>
          device.id === deviceId ? patch(device, data, input) : device
        queryClient.setQueryData<Device[]>(deviceKeys.list(userId), (list) =>
          list?.map(apply)
        )
        queryClient.setQueryData<Device | null>(
          deviceKeys.detail(userId, deviceId),
          (device) => (device ? apply(device) : device)
        )
      }
      void queryClient.invalidateQueries({ queryKey: deviceKeys.user(userId) })
      onSuccess?.(data)
    },
  })
}
