"""What Slack would refuse, checked without Slack: Block Kit limits, and slack_sdk's own block models.

Slack rejects a whole message (`invalid_blocks`) for one field too long, so every message the app sends
in these tests goes through `check_message`.
"""

from __future__ import annotations

import re

from slack_sdk.models.blocks import Block

from tests.slack import slack_requests as sr

LIMITS = {"blocks": 50, "section_text": 3000, "fields": 10, "field_text": 2000, "header": 150,
          "context_elements": 10, "action_elements": 25, "button_text": 75, "button_value": 2000,
          "action_id": 255}
_OUR_MARKUP = re.compile(r"<@[UW][A-Z0-9]+>")


def check_blocks(blocks: list[dict], max_blocks: int = LIMITS["blocks"]) -> None:
    assert isinstance(blocks, list) and 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    action_ids: set[str] = set()
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= LIMITS["header"]
        elif kind == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= LIMITS["section_text"]
            fields = block.get("fields", [])
            assert len(fields) <= LIMITS["fields"]
            assert all(0 < len(f["text"]) <= LIMITS["field_text"] for f in fields)
        elif kind == "context":
            assert 0 < len(block["elements"]) <= LIMITS["context_elements"]
            assert all(0 < len(e["text"]) <= LIMITS["section_text"] for e in block["elements"])
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= LIMITS["action_elements"]
            for button in block["elements"]:
                assert button["type"] == "button"
                assert 0 < len(button["text"]["text"]) <= LIMITS["button_text"]
                assert len(button["value"]) <= LIMITS["button_value"]
                assert 0 < len(button["action_id"]) <= LIMITS["action_id"]
                assert button["action_id"] not in action_ids, "action_id repeated in one message"
                action_ids.add(button["action_id"])
        elif kind == "input":  # the Home tab's search box
            element = block["element"]
            assert element["type"] == "plain_text_input" and 0 < len(element["action_id"]) <= LIMITS["action_id"]
            assert 0 < len(block["label"]["text"]) <= 2000 and len(element["placeholder"]["text"]) <= 150
            assert len(element.get("initial_value", "")) <= element.get("max_length", 3000)
        else:
            assert kind == "divider", f"unexpected block type {kind}"
        Block.parse(block).validate_json()  # slack_sdk's models raise on what Slack refuses


def check_escaped(text: str) -> None:
    """No raw `&`, `<`, `>` except our own user mentions: a user's `<!channel>` must not ping."""
    stripped = _OUR_MARKUP.sub("", text)
    assert "<" not in stripped and ">" not in stripped, f"unescaped markup in {stripped[:200]!r}"
    assert not re.search(r"&(?!amp;|lt;|gt;)", stripped), f"unescaped & in {stripped[:200]!r}"


def check_message(message: dict, max_blocks: int = LIMITS["blocks"]) -> None:
    """A chat message or ack body: a plain-text fallback, valid blocks, everything escaped."""
    assert message.get("text"), "a message needs a plain-text fallback"
    check_escaped(message["text"])
    check_blocks(message["blocks"], max_blocks)
    for text in _texts(message["blocks"]):
        check_escaped(text)


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "text" and isinstance(v, str)] + [
            t for k, v in node.items() if not (k == "text" and isinstance(v, str)) for t in _texts(v)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def home_view_text(call, user_id: str) -> str:
    """The text of the Home view a `views.publish` call carries, once it is checked to be that person's Home
    view, within Block Kit's limits and escaped."""
    assert call.body["user_id"] == user_id
    view = call.body["view"]
    assert view["type"] == "home"
    check_blocks(view["blocks"], max_blocks=100)
    text = sr.texts(view["blocks"])
    check_escaped(text)
    return text
