"""Reads delivered messages (Maildir files named on the command line) with Python's strict RFC 5322 parser
(email.policy.strict: any defect raises) and prints one JSON object per file: what the MTA suite asserts on."""
import email
import json
from email.header import decode_header, make_header
import re
import sys
from email import policy

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[QqBb]\?[^?\s]*\?=")
# Headers the Worker writes (Postfix adds Received, Return-Path, Delivered-To).
WORKER_HEADERS = ("from", "to", "subject", "date", "message-id", "x-pm-message-stream", "mime-version", "content-type")


def display_name(msg, header, parsed):
    """The display name as RFC 2047 6.2 decodes it. Python 3.11's header registry keeps the space between two
    adjacent encoded words of a phrase (its own generator's long names do not read back either), so a name
    split into several encoded words is decoded with the same package's RFC 2047 decoder instead."""
    raw = " ".join(next(v for k, v in msg.raw_items() if k.lower() == header).split())  # unfolded, as received
    if not ENCODED_WORD.search(raw.encode()):
        return parsed
    phrase = raw.rsplit(" <", 1)[0]
    return str(make_header(decode_header(phrase)))


def check(path):
    raw = open(path, "rb").read()
    head = raw.split(b"\n\n", 1)[0]
    lines = head.split(b"\n")
    worker_lines, current = [], None
    for line in lines:
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t"):
            if current:
                worker_lines.append(line)
            continue
        current = line.split(b":", 1)[0].decode("ascii", "replace").lower() in WORKER_HEADERS
        if current:
            worker_lines.append(line)
    result = {"file": path, "errors": []}
    try:
        msg = email.message_from_bytes(raw, policy=policy.strict)
        for name in WORKER_HEADERS:
            value = msg[name]  # parsed now; a defect raises under policy.strict
            if value is not None and getattr(value, "defects", None):
                result["errors"].append(f"{name}: {value.defects}")
        for part in msg.walk():
            if part.defects:
                result["errors"].append(f"part {part.get_content_type()}: {part.defects}")
            if not part.is_multipart():
                part.get_content()
        def addr(h):
            address = msg[h].addresses[0]
            return {"name": display_name(msg, h, address.display_name), "address": address.addr_spec}

        result.update(
            {
                "from": addr("from"),
                "to": addr("to"),
                "subject": str(msg["subject"]),
                "date": str(msg["date"]),
                "messageStream": msg["x-pm-message-stream"],
                "messageId": str(msg["message-id"]),
                "contentType": msg.get_content_type(),
                "parts": [p.get_content_type() for p in msg.walk() if not p.is_multipart()],
                "text": msg.get_body(("plain",)).get_content(),
            }
        )
    except Exception as err:  # any defect under policy.strict
        result["errors"].append(f"{type(err).__name__}: {err}")
    result["longestWorkerHeaderLine"] = max((len(l) for l in worker_lines), default=0)
    result["longestLine"] = max((len(l.rstrip(b"\r")) for l in raw.split(b"\n")), default=0)
    result["longestEncodedWord"] = max((len(w) for w in ENCODED_WORD.findall(head)), default=0)
    return result


print(json.dumps([check(path) for path in sys.argv[1:]]))
