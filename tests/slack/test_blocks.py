"""Block Kit rendering: every answer the engine gives is a message Slack accepts, escaped and within limits."""

from __future__ import annotations

import yaml

from bot.answer import Answer, Choice, Fact, Section
from bot.render import answer_json
from bot.render.blocks import CHOICE_ACTION_PREFIX, escape, fallback_text, fit, render_blocks
from bot.slack.messages import SHARE_ACTION, private_message, public_message, share_button
from tests.conftest import ROOT, SHARED
from tests.slack.block_kit import LIMITS, check_blocks, check_escaped, check_message

HOSTILE = ["", "   ", "<!channel> & <@U123> <#C123|general> <https://evil.example|click>", "&lt;script&gt;",
           "x" * 100_000, "🩺" * 3000, "wrvu for " + "leep " * 800, "99999 & 57461 <b>"]


def questions() -> list[str]:
    found: list[str] = []
    for path in (SHARED / "eval" / "questions.yaml", ROOT / "tests" / "data" / "dev_questions.yaml"):
        if path.is_file():
            found += [str(c["q"]) for c in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if "q" in c]
    return found


def test_every_answer_to_the_question_sets_renders_to_valid_escaped_messages(engine):
    asked = questions() + HOSTILE
    assert len(asked) > 50
    for question in asked:
        answer = engine.answer(question)
        check_message(public_message(answer))
        check_message(private_message(answer, question))
        check_message(public_message(answer, asked_by="W111", question=question))


def test_the_answer_json_keeps_its_blocks(engine):
    answer = engine.answer("what's the wRVU for LEEP")
    assert answer_json(answer)["blocks"] == render_blocks(answer)
    check_blocks(render_blocks(answer))


def test_a_header_has_the_title_and_facts_become_fields_ten_to_a_block():
    facts = [Fact(f"Label {i}", f"value {i}") for i in range(23)]
    answer = Answer(status="answered", intent="rvu", headline="Headline.", title="57461 · LEEP",
                    sections=[Section("RVUs", facts)], source="CY2026 source")
    blocks = render_blocks(answer)
    check_blocks(blocks)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "57461 · LEEP", "emoji": True}}
    field_blocks = [b for b in blocks if b.get("fields")]
    assert [len(b["fields"]) for b in field_blocks] == [10, 10, 3]
    assert field_blocks[0]["text"]["text"] == "*RVUs*"
    assert field_blocks[0]["fields"][0]["text"] == "*Label 0*\nvalue 0"
    assert blocks[-1]["elements"][0]["text"] == "Source: CY2026 source"


def test_an_enormous_answer_is_cut_to_slacks_limits_keeping_headline_buttons_and_source():
    long = "<!channel> & " * 1000
    answer = Answer(
        status="clarify", intent="clarify", headline=long, title=long,
        sections=[Section(long[:500], [Fact(long, long) for _ in range(25)], long) for _ in range(40)],
        choices=[Choice(str(10000 + i), long, long) for i in range(30)], notes=[long] * 12, source=long)
    blocks = render_blocks(answer)
    check_blocks(blocks)
    assert len(blocks) == LIMITS["blocks"]
    assert blocks[0]["type"] == "header" and blocks[1]["text"]["text"].startswith("&lt;!channel&gt; &amp;")
    assert blocks[-1]["elements"][0]["text"].startswith("Source: ")
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions[0]["elements"]) == LIMITS["action_elements"]
    assert actions[0]["elements"][0]["action_id"] == f"{CHOICE_ACTION_PREFIX}0"
    assert any("left out" in e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])
    for text in [b["text"]["text"] for b in blocks if "text" in b]:
        check_escaped(text)
    assert len(fallback_text(answer)) <= 3000
    with_share = render_blocks(answer, extra_buttons=[share_button("q")])
    check_blocks(with_share)
    [actions] = [b for b in with_share if b["type"] == "actions"]
    assert actions["elements"][-1]["action_id"] == SHARE_ACTION  # the choices make room for it


def test_escape_and_fit_never_split_an_entity():
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("`code` *bold*") == "`code` *bold*"
    for limit in range(2, 30):
        cut = fit("&<>" * 20, limit)
        assert len(cut) <= limit
        check_escaped(cut.rstrip("…"))
    assert fit("short", 10) == "short"
