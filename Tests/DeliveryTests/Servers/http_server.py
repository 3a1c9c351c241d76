#!/usr/bin/env python3
"""HTTP/1.1 keep-alive test server for campaignd's webhook and letter channel tests.

Prints "READY <port>" when listening on 127.0.0.1 and records every request as one JSON line in
argv[1]: path, headers, body, the connection it came on, and which of the whsec_ secrets given
after the file name verify it with the standardwebhooks package.

Paths: /status/CODE answers CODE (301 with a Location, 429 with Retry-After: 7); /hang sleeps
5 s; /v1/letters answers 500 to the first request with a given Idempotency-Key (after recording
it) and 200 with a letter id to later ones. Stops on SIGTERM or when stdin closes.

Options among the secrets (for reliability/): --port N listens on N instead of a free port;
--unavailable-for S answers 503 to every request in the first S seconds after start; --latency S
answers every request S seconds after recording it. Each record also has "at" (Unix time) and
"status" (the answer).
"""
import json, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from standardwebhooks.webhooks import Webhook

out_path = sys.argv[1]
arguments = sys.argv[2:]


def option(name, default):
    if name not in arguments:
        return default
    index = arguments.index(name)
    value = arguments[index + 1]
    del arguments[index:index + 2]
    return value


listen_port = int(option("--port", "0"))
unavailable_until = time.time() + float(option("--unavailable-for", "0"))
latency = float(option("--latency", "0"))
secrets = arguments
lock = threading.Lock()
seen_keys = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified = []
        for secret in secrets:
            try:
                Webhook(secret).verify(body, headers)
                verified.append(secret)
            except Exception:
                pass
        record = {"path": self.path, "headers": headers, "body": body.decode("utf-8", "replace"),
                  "verified": verified, "connection": self.client_address[1], "at": time.time()}
        status, extra, reply = 200, {}, b'{"ok":true}'
        if time.time() < unavailable_until:
            status, reply = 503, b'{"error":"unavailable"}'
        elif self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
            if status == 301:
                extra["Location"] = "http://127.0.0.1:1/elsewhere"
            if status == 429:
                extra["Retry-After"] = "7"
        elif self.path == "/hang":
            pass  # answered after 5 s, below
        elif self.path.endswith("/v1/letters"):
            key = headers.get("idempotency-key")
            with lock:
                first = key not in seen_keys
                seen_keys.add(key)
            if first:
                status, reply = 500, b'{"error":"accepted but failed to answer"}'
            else:
                reply = json.dumps({"id": "ltr_" + key, "object": "letter"}).encode()
        record["status"] = status
        with lock, open(out_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        if self.path == "/hang":
            time.sleep(5)
        elif latency > 0:
            time.sleep(latency)
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = ThreadingHTTPServer(("127.0.0.1", listen_port), Handler)
server.daemon_threads = True
print(f"READY {server.server_address[1]}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
server.serve_forever()
