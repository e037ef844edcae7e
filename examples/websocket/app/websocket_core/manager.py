"""Kept for old imports: `from app.websocket_core.manager import WebSocketManager`."""

from .websocket_manager import WebSocketManager

__all__ = ["WebSocketManager"]
