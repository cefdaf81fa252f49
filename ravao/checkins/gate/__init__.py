"""The gate (J4, J5): who may operate it, how a scan is read from JSON, and what the gate shows.

The gate page queues every scan in the browser (IndexedDB) with a client-generated id and sends the queue
to `sync` — online that is a batch of one, right away; offline the queue waits and is sent when the
network returns. One code path for both, so the offline case is not a rarely exercised branch.
What the gate shows is deliberately little: a masked name and ID, the status colour and warnings.

One job per module: `access` (who operates which gate), `limits` (scans per hour), `parsing` (a sync
batch from JSON), `scans` (one scan: identify, check, record once), `sync` (a batch in a few queries),
`manual` (a visitor entered by hand), `output` (what the gate shows), `screen` (screen mode).
"""
