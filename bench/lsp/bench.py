#!/usr/bin/env python3
"""Latency of `campaignd lsp` on a large rules directory (scripts/bench-lsp runs it).

    bench.py CAMPAIGND RULES_DIR [ITERATIONS]

Starts the server in RULES_DIR's parent (templates/ beside rules/), opens the middle file of the
directory, and times each request kind ITERATIONS times (default 200), one at a time, from the
write of the request to the read of its answer. "diagnostics" is from a didChange that makes or
fixes an error to the publishDiagnostics for that file: the whole directory checked again.
Prints the median and the maximum per kind, in milliseconds. Standard library only.
"""

import json
import os
import pathlib
import statistics
import subprocess
import sys
import time


class Server:
    def __init__(self, binary, cwd):
        self.process = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("bench-lsp: the server ended")
            if line == b"\r\n":
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params):
        request_id = self.next_id
        self.next_id += 1
        start = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == request_id:
                elapsed = time.perf_counter() - start
                if "error" in message:
                    raise SystemExit(f"bench-lsp: {method} failed: {message['error']}")
                return message.get("result"), elapsed

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for_diagnostics(self, uri):
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return message["params"]["diagnostics"]


def main():
    binary, rules = str(pathlib.Path(sys.argv[1]).resolve()), pathlib.Path(sys.argv[2]).resolve()
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    files = sorted(rules.glob("*.rules"))
    target = files[len(files) // 2]
    uri = target.as_uri()
    text = target.read_text()
    lines = text.split("\n")
    server = Server(binary, rules.parent)
    server.request("initialize", {"processId": os.getpid(), "rootUri": rules.parent.as_uri(), "capabilities": {}})
    server.notify("initialized", {})
    start = time.perf_counter()
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "campaignd-rules", "version": 1, "text": text}})
    server.wait_for_diagnostics(uri)
    first = time.perf_counter() - start

    def find(predicate):
        return next(number for number, line in enumerate(lines) if predicate(line))

    when_line = find(lambda line: line.startswith("  when loyal_"))
    send_line = find(lambda line: line.startswith("  send email"))
    segment_column = lines[when_line].index("loyal_") + 2
    # `segment loyal_N = regular_M or …`: regular_M is defined in the previous file.
    loyal_line = find(lambda line: line.startswith("segment loyal_"))
    other_file_column = lines[loyal_line].index("regular_") + 2
    fact_column = lines[when_line].index("purchase") + 2

    def at(line, character):
        return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}

    kinds = {
        "completion (condition)": ("textDocument/completion", at(when_line, 7)),
        "completion (template)": ("textDocument/completion", at(send_line, 14)),
        "hover (fact)": ("textDocument/hover", at(when_line, fact_column)),
        "hover (segment)": ("textDocument/hover", at(when_line, segment_column)),
        "definition (other file)": ("textDocument/definition", at(loyal_line, other_file_column)),
        "formatting": ("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}),
    }
    timings = {kind: [] for kind in kinds}
    timings["diagnostics after didChange"] = []
    broken = text.replace("and consent email", "and consent emial", 1)
    for iteration in range(iterations):
        for kind, (method, params) in kinds.items():
            result, elapsed = server.request(method, params)
            if result is None and not method.endswith("formatting"):
                raise SystemExit(f"bench-lsp: {kind} found nothing")
            timings[kind].append(elapsed)
        start = time.perf_counter()
        server.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": iteration + 2},
            "contentChanges": [{"text": broken if iteration % 2 == 0 else text}],
        })
        diagnostics = server.wait_for_diagnostics(uri)
        timings["diagnostics after didChange"].append(time.perf_counter() - start)
        if (len(diagnostics) > 0) != (iteration % 2 == 0):
            raise SystemExit("bench-lsp: the edit did not change the diagnostics as expected")
    server.request("shutdown", None)
    server.notify("exit", None)
    server.process.wait()

    rule_count = sum(file.read_text().count("\nrule ") for file in files)
    print(f"{rule_count} rules in {len(files)} files; {iterations} requests of each kind; "
          f"first diagnostics after didOpen {first * 1000:.1f} ms")
    print(f"{'kind':32} {'median ms':>10} {'max ms':>10}")
    for kind, values in timings.items():
        print(f"{kind:32} {statistics.median(values) * 1000:10.2f} {max(values) * 1000:10.2f}")


if __name__ == "__main__":
    main()
