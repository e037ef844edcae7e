"""WebSocket infrastructure."""
