"""Socket.IO and raw Engine.IO clients over real transports, for the system tests.

``connect`` uses python-socketio's client (what an integration would use); ``raw_websocket``
opens an Engine.IO WebSocket and never sends the Socket.IO CONNECT, i.e. the idle,
unauthenticated connection the guard exists for.
"""
from __future__ import annotations

import queue
import re
import threading
import time

import requests
import socketio
import websocket

WS_PATH = "/socket.io/?EIO=4&transport=websocket"


class Socket:
    """A connected python-socketio client that records its notifications and its disconnect."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False)
        self.notifications: queue.Queue = queue.Queue()
        self.gone = threading.Event()
        self.client.on("notification", self.notifications.put)
        self.client.on("disconnect", lambda *_reason: self.gone.set())

    def wait_gone(self, timeout: float) -> bool:
        return self.gone.wait(timeout)

    def close(self) -> None:
        """Disconnect without waiting more than a few seconds. The client's disconnect waits for
        its read loop, and over long-polling that loop sometimes sits in a poll the server answers
        only at the next ping, 25 s later (python-engineio 4.15); the connection is closed on the
        server side either way."""
        if self.client.connected:
            closer = threading.Thread(target=self.client.disconnect, daemon=True)
            closer.start()
            closer.join(3)


def connect(base_url: str, transport: str, *, token: str | None = None, headers: dict | None = None) -> Socket:
    """Connect over ``transport`` ("polling" or "websocket"); raises socketio's ConnectionError
    when refused. ``token`` goes in the CONNECT packet (API.md); ``headers`` in the handshake."""
    sock = Socket()
    sock.client.connect(base_url, transports=[transport], auth={"token": token} if token else None,
                        headers=headers or {}, wait_timeout=10)
    return sock


def raw_websocket(base_url: str, headers: list[str] | None = None):
    """An Engine.IO WebSocket that never authenticates: ``(ws, open_packet)``, or ``(None, status)``
    when the handshake is refused."""
    url = base_url.replace("http://", "ws://") + WS_PATH
    try:
        ws = websocket.create_connection(url, timeout=10, header=headers or [])
    except websocket.WebSocketBadStatusException as refused:
        return None, refused.status_code
    return ws, ws.recv()


def wait_closed(ws, timeout: float) -> float | None:
    """Seconds until the server closes ``ws`` (an Engine.IO close packet or the socket ending),
    or None if it is still open after ``timeout``. Pings are answered, as a live client would."""
    start = time.monotonic()
    ws.settimeout(0.5)
    while time.monotonic() - start < timeout:
        try:
            data = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, OSError):
            return time.monotonic() - start
        if data in ("", "1"):  # "1": Engine.IO close
            return time.monotonic() - start
        if data == "2":  # Engine.IO ping: stay alive like a real client
            ws.send("3")
    return None


def browser_login(base_url: str, username: str, password: str) -> requests.Session:
    """Log in through the HTML form (with its CSRF token), as a browser does."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=30)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"username": username, "password": password}
    if match:
        data["csrf_token"] = match.group(1)
    response = http.post(f"{base_url}/login", data=data, allow_redirects=False, timeout=30)
    if response.status_code not in (302, 303):
        raise AssertionError(f"login failed: {response.status_code} {response.text[:300]}")
    return http


def cookie_header(http: requests.Session) -> dict:
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in http.cookies)}
