"""`campaignd lsp` driven end to end by a real LSP client (pytest-lsp), as scripts/test runs it.

The binary is $CAMPAIGND (scripts/test-lsp sets it to the debug build). Each test starts the
server in a scratch directory holding rules/ and templates/ (no config.json, so templates are
found beside the rules) and stops it with shutdown and exit.
"""

import asyncio
import json
import os
import pathlib
import subprocess
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

CAMPAIGND = os.environ.get("CAMPAIGND", str(pathlib.Path(__file__).parents[3] / ".build/debug/campaignd"))
WORKDIR = pathlib.Path(tempfile.mkdtemp(prefix="campaignd-lsp-e2e-"))
RULES = WORKDIR / "rules"
RULES.mkdir()
for part in ("subject", "text"):
    (WORKDIR / "templates/email").mkdir(parents=True, exist_ok=True)
    (WORKDIR / f"templates/email/welcome.{part}.mustache").write_text("x")
(RULES / "a.rules").write_text(
    "segment regular = orders in last 365 days >= 3\n\n"
    'journey "onboarding" {\n  enter when orders = 1\n  step "thanks" { send email "welcome" }\n}\n'
)
B_URI = (RULES / "b.rules").as_uri()
A_URI = (RULES / "a.rules").as_uri()
BROKEN = 'rule "winback" {\n  when order >= 2 and regular\n  send email "welcome"\n  limit once\n}\n'
FIXED = BROKEN.replace("order >=", "orders >=")
UNTIDY = 'rule "winback" {\n    limit once\n  when orders>=2 and regular\nsend email "welcome"\n}\n'
# Hangs fail the test instead of stalling CI; no answer is expected to come near this.
GUARD = 120


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=["sh", "-c", f'cd "{WORKDIR}" && exec "{CAMPAIGND}" lsp'])
)
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(capabilities=pytest_lsp.client_capabilities("visual-studio-code"))
    result = await lsp_client.initialize_session(params)
    assert result.capabilities.hover_provider
    yield
    await lsp_client.shutdown_session()
    assert lsp_client._server.returncode == 0


async def diagnostics_for(client: LanguageClient, uri: str, version_check):
    """Waits until the diagnostics published for `uri` satisfy `version_check`."""
    async def wait():
        while uri not in client.diagnostics or not version_check(client.diagnostics[uri]):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return client.diagnostics[uri]
    return await asyncio.wait_for(wait(), GUARD)


def at(line, character):
    return types.TextDocumentPositionParams(
        text_document=types.TextDocumentIdentifier(uri=B_URI), position=types.Position(line=line, character=character)
    )


@pytest.mark.asyncio
async def test_editing_session(client: LanguageClient):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=B_URI, language_id="campaignd-rules", version=1, text=BROKEN)
        )
    )
    diagnostics = await diagnostics_for(client, B_URI, lambda found: len(found) > 0)
    assert diagnostics[0].message.startswith("unknown fact 'order'")
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert diagnostics[0].range == types.Range(start=types.Position(1, 7), end=types.Position(1, 12))

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=B_URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=FIXED)],
        )
    )
    assert list(await diagnostics_for(client, B_URI, lambda found: len(found) == 0)) == []

    # Facts with their type, the segment from a.rules, keywords.
    general = await client.text_document_completion_async(types.CompletionParams(**vars_of(at(1, 7))))
    items = {item.label: item for item in general.items}
    assert items["orders"].detail == "number"
    assert items["days since last purchase"].detail == "number"
    assert items["regular"].detail == "segment"
    assert items["when"].kind == types.CompletionItemKind.Keyword

    # Inside `send email "…"`: the templates that exist.
    templates = await client.text_document_completion_async(types.CompletionParams(**vars_of(at(2, 14))))
    assert [item.label for item in templates.items] == ["welcome"]

    hover = await client.text_document_hover_async(types.HoverParams(**vars_of(at(1, 8))))
    assert "number of purchases" in hover.contents.value and "— number" in hover.contents.value
    segment = await client.text_document_hover_async(types.HoverParams(**vars_of(at(1, 24))))
    assert "segment regular = orders in last 365 days >= 3" in segment.contents.value

    definition = await client.text_document_definition_async(types.DefinitionParams(**vars_of(at(1, 24))))
    assert definition.uri == A_URI
    assert definition.range == types.Range(start=types.Position(0, 8), end=types.Position(0, 15))

    # An untidy but valid version: formatting answers one edit, the canonical text (FIXED).
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=B_URI, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=UNTIDY)],
        )
    )
    options = types.FormattingOptions(tab_size=2, insert_spaces=True)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=types.TextDocumentIdentifier(uri=B_URI), options=options)
    )
    assert edits is not None and len(edits) == 1 and edits[0].new_text == FIXED
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=B_URI, version=4),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edits[0].new_text)],
        )
    )
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=types.TextDocumentIdentifier(uri=B_URI), options=options)
    )
    assert again is not None and list(again) == []


def vars_of(position_params):
    return {"text_document": position_params.text_document, "position": position_params.position}


def frame(message):
    body = json.dumps(message).encode() if not isinstance(message, bytes) else message
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frames(data):
    replies = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        replies.append(json.loads(rest[:length]))
        data = rest[length:]
    return replies


def test_malformed_input_gets_errors_not_an_exit():
    messages = (
        frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        + frame(b"{not json")
        + b"No-Length: 1\r\n\r\n"
        + frame({"jsonrpc": "2.0", "id": 2, "method": "no/such/method"})
        + frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
        + frame({"jsonrpc": "2.0", "method": "exit"})
    )
    done = subprocess.run([CAMPAIGND, "lsp"], input=messages, capture_output=True, cwd=WORKDIR, timeout=GUARD)
    assert done.returncode == 0, done.stderr
    replies = read_frames(done.stdout)
    assert [reply.get("id") for reply in replies] == [1, None, None, 2, 3]
    assert [reply.get("error", {}).get("code") for reply in replies] == [None, -32700, -32700, -32601, None]
