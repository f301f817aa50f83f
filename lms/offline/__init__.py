"""Offline use: the installable web app (manifest, service worker), courses kept for reading
offline, and idempotency keys so that actions queued in the browser count once when replayed."""
