#!/usr/bin/env python3
"""Slow clients against campaignd's HTTP listener, and a real client's latency beside them.

Used by scripts/bench-slowloris and reliability/scenarios/10-slowloris.sh; prints JSON.

  slowloris.py hold PORT CONNECTIONS SECONDS
      Keeps CONNECTIONS connections open that each sent `GET / HTTP/1.1\\r\\nHost: x\\r\\n` and
      never finish the head; one the server closes is opened again at once. Prints `HOLDING n`
      once all are open, then, after SECONDS or on SIGTERM, how many the server closed and after
      how long.
  slowloris.py probe PORT SAMPLES SECRET_FILE FIRST_CUSTOMER [ID_FORMAT]
      SAMPLES times, 40 ms apart: GET /healthz, then a one-click POST with a genuine token (signed
      with the secret, as the daemon does) for customer ID_FORMAT.format(FIRST_CUSTOMER + i)
      (default `C{:07d}`, the ids `campaignd generate` makes), each on a new
      connection with a 5 s timeout. Prints the latencies (median, p95, max, in ms), status codes
      and failures.
"""
import base64, hashlib, hmac, json, resource, selectors, signal, socket, statistics, sys, time

PARTIAL = b"GET / HTTP/1.1\r\nHost: x\r\n"


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed if hard == resource.RLIM_INFINITY else min(needed, hard), hard))


def hold(port, count, seconds):
    raise_file_limit(count + 64)
    selector = selectors.DefaultSelector()
    # socket -> when connect() was called (before the server can have accepted it), and whether
    # the partial head is sent
    opened, sent, lifetimes, refused = {}, set(), [], 0

    def open_one():
        nonlocal refused
        s = socket.socket()
        s.setblocking(False)
        # the clock is read before connect(): the daemon cannot accept (and start its timer) earlier
        # than that, however late this process is scheduled again after the call
        opened[s] = time.monotonic()
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            refused += 1
            del opened[s]
            s.close()
            return
        selector.register(s, selectors.EVENT_WRITE)

    for _ in range(count):
        open_one()
    announced = False
    end = time.monotonic() + seconds
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    while time.monotonic() < end and not stop:
        for key, events in selector.select(timeout=0.2):
            s = key.fileobj
            if s not in sent:  # connected (or failed): send the partial head, then wait for the close
                try:
                    s.send(PARTIAL)
                    sent.add(s)
                    selector.modify(s, selectors.EVENT_READ)
                except OSError:
                    selector.unregister(s)
                    del opened[s]
                    s.close()
                    refused += 1
                    open_one()
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:  # the server closed it: count and open another
                lifetimes.append(time.monotonic() - opened[s])
                selector.unregister(s)
                del opened[s]
                sent.discard(s)
                s.close()
                open_one()
        if not announced and len(sent) >= count:
            print(f"HOLDING {count}", flush=True)
            announced = True
    held = len(sent)
    for s in list(opened):
        s.close()
    lifetimes.sort()
    print(json.dumps({
        "held_at_end": held, "closed_by_server": len(lifetimes), "failed_to_connect": refused,
        "lifetime_min_s": round(lifetimes[0], 2) if lifetimes else None,
        "lifetime_median_s": round(statistics.median(lifetimes), 2) if lifetimes else None,
        "lifetime_max_s": round(lifetimes[-1], 2) if lifetimes else None,
    }), flush=True)


def request(port, raw):
    """Sends one request on a new connection; returns (status, milliseconds) or (error, ms)."""
    started = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(raw)
            reply = b""
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        status = reply.split(b" ", 2)[1].decode() if reply.startswith(b"HTTP/1.1 ") else "no answer"
    except OSError as error:
        status = type(error).__name__
    return status, (time.perf_counter() - started) * 1000


def summary(samples):
    times = sorted(ms for _, ms in samples)
    codes = {}
    for status, _ in samples:
        codes[status] = codes.get(status, 0) + 1
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1 if len(times) >= 20 else -1], 1),
            "max_ms": round(times[-1], 1), "statuses": codes}


def probe(port, count, secret_file, first, id_format):
    secret = open(secret_file, "rb").read()
    secret = secret[:-1] if secret.endswith(b"\n") else secret
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
    health, unsubscribe = [], []
    for i in range(count):
        health.append(request(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        payload = ("email:" + id_format.format(first + i)).encode()
        token = b64(payload) + "." + b64(hmac.new(secret, payload, hashlib.sha256).digest())
        body = b"List-Unsubscribe=One-Click"
        unsubscribe.append(request(port, (
            f"POST /unsubscribe/{token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body))
        time.sleep(0.04)
    print(json.dumps({"healthz": summary(health), "unsubscribe": summary(unsubscribe)}), flush=True)


if __name__ == "__main__":
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "hold":
        hold(port, int(sys.argv[3]), float(sys.argv[4]))
    elif command == "probe":
        probe(port, int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else "C{:07d}")
    else:
        sys.exit(f"slowloris.py: unknown command {command}")
