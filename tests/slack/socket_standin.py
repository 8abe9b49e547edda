"""A stand-in for Slack's Socket Mode WebSocket: just enough RFC 6455 to talk to slack_sdk's built-in client.

It accepts one connection, says `hello`, sends the envelopes a test gives it, and records what the app
sends back (the envelope acks, with their payloads). Plain `ws://` on loopback: the SDK uses a plain
socket for any port but 443.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketStandIn:
    def __init__(self) -> None:
        self.acks: list[dict] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=test"

    def send(self, envelope: dict, timeout: float = 30) -> None:
        assert self._connected.wait(timeout), "the app never connected"
        self._frame(0x1, json.dumps(envelope).encode())

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)
                if found or time.monotonic() >= deadline:
                    return found
                self._cond.wait(deadline - time.monotonic())

    def close(self) -> None:
        for sock in (self._conn, self._listener):
            if sock is not None:
                sock.close()

    def _frame(self, opcode: int, data: bytes) -> None:
        head = bytes([0x80 | opcode])
        if len(data) < 126:
            head += bytes([len(data)])
        elif len(data) < 65536:
            head += bytes([126]) + struct.pack("!H", len(data))
        else:
            head += bytes([127]) + struct.pack("!Q", len(data))
        with self._send_lock:
            assert self._conn is not None
            self._conn.sendall(head + data)

    def _read(self, n: int) -> bytes:
        assert self._conn is not None
        out = b""
        while len(out) < n:
            chunk = self._conn.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out

    def _serve(self) -> None:
        try:
            self._conn, _ = self._listener.accept()
            request = b""
            while b"\r\n\r\n" not in request:
                request += self._conn.recv(1024)
            key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                       if line.lower().startswith("sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            self._conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            self._frame(0x1, json.dumps({"type": "hello", "num_connections": 1}).encode())
            self._connected.set()
            while True:
                first, second = self._read(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", self._read(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", self._read(8))[0]
                mask = self._read(4) if second & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(length)))
                if opcode == 0x1:
                    with self._cond:
                        self.acks.append(json.loads(data))
                        self._cond.notify_all()
                elif opcode == 0x9:
                    self._frame(0xA, data)
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError, StopIteration):
            return
