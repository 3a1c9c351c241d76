#!/usr/bin/env python3
"""aiosmtpd test server for campaignd's email channel tests.

Prints "READY <port>" when listening on 127.0.0.1, then records every accepted message as one
JSON line in the file given as argv[1]: the envelope, the session, the headers as Python's
email parser sees them, and every defect it finds (policy.strict parsing must succeed).

Recipients steer the replies: tempfail@… gets 450 at RCPT, reject@… 550 at RCPT,
datatemp@… 451 at end of data, datareject@… 554 at end of data.
Stops on SIGTERM or when stdin closes.

Options after the file name (for reliability/):
  --brief               record every DATA, answered or not, as {"at", "rcpt_tos", "message_id",
                        "reply"} without parsing the message (fast enough for 10,000 messages)
  --datatemp-times N    datatemp@… gets 451 only for its first N messages, then 250
"""
import asyncio, email, json, re, signal, socket, sys, threading, time
from email import policy
from aiosmtpd.controller import Controller

out_path = sys.argv[1]
options = sys.argv[2:]
brief = "--brief" in options
datatemp_times = int(options[options.index("--datatemp-times") + 1]) if "--datatemp-times" in options else None
datatemp_seen = {}
lock = threading.Lock()
message_id_pattern = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def defects_of(message):
    found = [type(d).__name__ for d in message.defects]
    for name, value in message.items():
        found += [f"{name}: {type(d).__name__}" for d in getattr(value, "defects", [])]
    if message.is_multipart():
        for part in message.iter_parts():
            found += defects_of(part)
    return found


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "tempfail":
            return "450 4.2.0 Mailbox busy, try later"
        if local == "reject":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.data_reply(envelope.rcpt_tos[0])
        if brief:
            found = message_id_pattern.search(envelope.original_content)
            record = {"at": time.time(), "rcpt_tos": envelope.rcpt_tos, "reply": reply,
                      "message_id": found.group(1).decode("ascii", "replace") if found else None}
            with lock, open(out_path, "a") as f:
                f.write(json.dumps(record) + "\n")
            return reply
        if not reply.startswith("250"):
            return reply
        raw = envelope.original_content
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "session": id(session)}
        try:
            strict = email.message_from_bytes(raw, policy=policy.strict)
            record["headers"] = [[k, str(v)] for k, v in strict.items()]
            record["defects"] = defects_of(strict)
            to = strict["To"]
            record["to_names"] = [a.display_name for a in to.addresses]
            record["to_addresses"] = [a.addr_spec for a in to.addresses]
            record["subject"] = str(strict["Subject"])
            record["content_type"] = strict.get_content_type()
            body = strict.get_body(preferencelist=("plain",))
            record["text"] = body.get_content() if body is not None else None
            html = strict.get_body(preferencelist=("html",))
            record["html"] = html.get_content() if html is not None else None
        except Exception as error:  # strict parsing raises on any defect
            record["error"] = f"{type(error).__name__}: {error}"
        record["max_line"] = max(len(line) for line in raw.split(b"\r\n"))
        record["bare_lf"] = b"\n" in raw.replace(b"\r\n", b"")
        with lock, open(out_path, "a") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted"

    @staticmethod
    def data_reply(recipient):
        local = recipient.split("@")[0]
        if local == "datatemp":
            with lock:
                datatemp_seen[recipient] = datatemp_seen.get(recipient, 0) + 1
                if datatemp_times is None or datatemp_seen[recipient] <= datatemp_times:
                    return "451 4.3.0 Temporary failure"
        if local == "datareject":
            return "554 5.6.0 Content rejected"
        return "250 Message accepted"


port = free_port()
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print(f"READY {port}", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.wait(0.2):
    pass
controller.stop()
