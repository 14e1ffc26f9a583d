-- The device side of pairing and device authentication runs before the device holds any
-- token, with the anon key only: a signed-in user's token has no business calling it, so
-- execute stays with anon (and the platform role) alone.
revoke execute on function
  public.pairing_start(text, text, text, text, public.device_role, inet),
  public.pairing_poll(text),
  public.pairing_exchange(text),
  public.device_authenticate(text)
  from authenticated;
