"""The import path new code uses."""

from __future__ import annotations

from .unified_manager import UnifiedWebSocketManager as WebSocketManager

_manager: WebSocketManager | None = None


def get_websocket_manager() -> WebSocketManager:
    global _manager
    if _manager is None:
        _manager = WebSocketManager("wss://example.invalid/ws")
    return _manager
