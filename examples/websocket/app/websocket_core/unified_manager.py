"""The one WebSocket manager."""

from __future__ import annotations


class UnifiedWebSocketManager:
    """Tracks connections per user and sends them messages."""

    def __init__(self, url: str, *, retries: int = 3) -> None:
        self.url = url
        self.retries = retries
        self.connections: dict[str, object] = {}

    def add_connection(self, user: str, connection: object) -> None:
        self.connections[user] = connection

    def remove_connection(self, user: str) -> None:
        self.connections.pop(user, None)

    def send_to_user(self, user: str, message: str) -> None:
        connection = self.connections[user]
        connection.send(message)  # type: ignore[attr-defined]
