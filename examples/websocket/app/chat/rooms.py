from app.websocket_core.websocket_manager import get_websocket_manager


def broadcast(users: list[str], message: str) -> None:
    manager = get_websocket_manager()
    for user in users:
        manager.send_to_user(user, message)
