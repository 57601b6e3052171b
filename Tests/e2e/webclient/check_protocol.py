#!/usr/bin/env python3
"""Checks docs/protocol.md against docs/protocol.schema.json.

- The schema is a valid draft 2020-12 schema.
- Every ```json block in protocol.md names the $def it is an example of (```json ServerMessage);
  it must validate against it, or must NOT validate when the name starts with "!".
- Every client and server message type and every JSON API response has at least one example.
- The SSE example stream parses: each message's `event:` equals its data's type, its data is a
  ServerMessage, and `id:` lines are cursors.
- With --wire FILE: every message the client unit tests sent (ClientMessage) or fed to the
  client (ServerMessage) validates too.
- The message types the client listens for over SSE are exactly the schema's server types.

Prints "N passed, M failed" and exits non-zero on any failure.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "protocol.md"
SCHEMA = ROOT / "docs" / "protocol.schema.json"
CLIENT = ROOT / "services" / "bridge" / "public" / "courtside-client.js"

CURSOR = re.compile(r"^[A-Za-z0-9_.-]{1,64}:\d+:\d+(,[A-Za-z0-9_.-]{1,64}:\d+:\d+)*$")

passed = 0
failures = []


def check(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)
        print(f"FAIL: {what}")


def fenced_blocks(text):
    """(info string, body) of every ``` fenced block, in order."""
    blocks, info, body = [], None, []
    for line in text.splitlines(keepends=True):
        if info is None:
            if line.startswith("```"):
                info, body = line[3:].strip(), []
        elif line.startswith("```"):
            blocks.append((info, "".join(body)))
            info = None
        else:
            body.append(line)
    return blocks


def validator_for(schema, name):
    sub = {k: v for k, v in schema.items() if k != "oneOf"}
    sub["$ref"] = f"#/$defs/{name}"
    return Draft202012Validator(sub)


def first_error(validator, instance):
    errors = sorted(validator.iter_errors(instance), key=lambda e: e.path)
    return errors[0].message if errors else None


def members(schema, name):
    return [ref["$ref"].split("/")[-1] for ref in schema["$defs"][name]["oneOf"]]


def type_of(schema, def_name):
    return schema["$defs"][def_name]["properties"]["type"]["const"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wire", help="JSON file of messages recorded by the client unit tests")
    args = parser.parse_args()

    schema = json.loads(SCHEMA.read_text())
    Draft202012Validator.check_schema(schema)
    check(True, "schema is valid draft 2020-12")
    check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", "schema declares draft 2020-12")
    validators = {name: validator_for(schema, name) for name in schema["$defs"]}
    root = Draft202012Validator(schema)

    client_defs = members(schema, "ClientMessage")
    server_defs = members(schema, "ServerMessage")
    for name in client_defs:
        check(schema["$defs"][name].get("additionalProperties") is False, f"client message {name} is strict")

    doc = DOC.read_text()
    examples = {}  # def name -> count of positive examples
    message_types = {}  # message type -> count of positive examples
    fenced = fenced_blocks(doc)
    blocks = [(info[4:], body) for info, body in fenced if info == "json" or info.startswith("json ")]
    check(len(blocks) >= 20, f"protocol.md has json examples ({len(blocks)})")
    for info, body in blocks:
        label = info.strip()
        where = f"example `{label or '(unnamed)'}`: {body.strip()[:80]}"
        if not label:
            check(False, f"{where}: json block without a $def name")
            continue
        negative = label.startswith("!")
        name = label.lstrip("!")
        if name not in validators:
            check(False, f"{where}: no $def named {name}")
            continue
        try:
            instance = json.loads(body)
        except json.JSONDecodeError as err:
            check(False, f"{where}: not JSON: {err}")
            continue
        error = first_error(validators[name], instance)
        if negative:
            check(error is not None, f"{where}: should be rejected by {name}")
            if name == "ClientMessage":
                check(root.is_valid(instance) is False, f"{where}: rejected by the root schema too")
        else:
            check(error is None, f"{where}: {error}")
            check(root.is_valid(instance) or name not in ("ClientMessage", "ServerMessage"),
                  f"{where}: accepted by the root schema")
            examples[name] = examples.get(name, 0) + 1
            if isinstance(instance, dict) and name in ("ClientMessage", "ServerMessage"):
                message_types[instance.get("type")] = message_types.get(instance.get("type"), 0) + 1

    for name in client_defs + server_defs:
        t = type_of(schema, name)
        check(message_types.get(t, 0) > 0, f"protocol.md has an example of `{t}`")
    for name in ("GameState", "GamesResponse", "EventsResponse", "TeamsResponse", "ErrorResponse"):
        check(examples.get(name, 0) > 0, f"protocol.md has an example of {name}")
    for name in client_defs + server_defs:
        t = type_of(schema, name)
        check(f"`{t}`" in doc, f"protocol.md documents `{t}`")

    # The SSE example stream.
    streams = [body for info, body in fenced if info in ("", "text") and "\nevent: " in body]
    check(len(streams) == 1, "protocol.md has one SSE example stream")
    for stream in streams:
        messages = [m for m in re.split(r"\n\n+", stream.strip()) if m.strip()]
        seen_events = 0
        for message in messages:
            fields = {}
            for line in message.splitlines():
                key, _, value = line.partition(":")
                fields.setdefault(key, []).append(value[1:] if value.startswith(" ") else value)
            if "data" not in fields:
                check("retry" in fields and fields["retry"][0].isdigit(), f"SSE example: retry field: {message}")
                continue
            seen_events += 1
            data = json.loads("\n".join(fields["data"]))
            check(validators["ServerMessage"].is_valid(data),
                  f"SSE example data is a ServerMessage: {first_error(validators['ServerMessage'], data)}")
            check(fields.get("event", [""])[0] == data.get("type"), f"SSE example: event name = type ({data.get('type')})")
            if data.get("type") in ("snapshot", "event"):
                ids = fields.get("id", [])
                check(len(ids) == 1 and CURSOR.match(ids[0]) is not None, f"SSE example: cursor id: {ids}")
                cursor = dict(entry.split(":", 1) for entry in ids[0].split(",")) if ids else {}
                check(cursor.get(data["game"]) == f"{data['epoch']}:{data['seq']}",
                      "SSE example: cursor holds the message's own position")
            else:
                check("id" not in fields, f"SSE example: no id on {data.get('type')}")
        check(seen_events >= 3, "SSE example has messages")

    # The reference client listens for exactly the server message types.
    js = CLIENT.read_text()
    m = re.search(r"const SERVER_TYPES = \[([^\]]*)\]", js)
    check(m is not None, "courtside-client.js declares SERVER_TYPES")
    if m:
        listed = set(re.findall(r"'([a-z_]+)'", m.group(1)))
        schema_types = {type_of(schema, n) for n in server_defs}
        check(listed == schema_types, f"client SERVER_TYPES {sorted(listed)} = schema {sorted(schema_types)}")

    if args.wire:
        wire = json.loads(Path(args.wire).read_text())
        check(len(wire["client"]) > 10 and len(wire["server"]) > 10, "unit tests recorded messages")
        for msg in wire["client"]:
            error = first_error(validators["ClientMessage"], msg)
            check(error is None, f"client sent a valid ClientMessage: {json.dumps(msg)[:120]}: {error}")
        for msg in wire["server"]:
            error = first_error(validators["ServerMessage"], msg)
            check(error is None, f"test server message is valid: {json.dumps(msg)[:120]}: {error}")

    print(f"protocol: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
