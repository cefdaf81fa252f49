"""ravao: entry/exit control by QR code, health declarations and contact tracing."""
