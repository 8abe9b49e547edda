"""The message shortcut "Look up CPT codes": a private one-line summary of each code in a message.

Someone reads a message full of codes (a colleague's claim question, an op note excerpt) and picks
**Look up CPT codes** from the message's ⋮ menu. The reply is ephemeral (only they see it), through the
shortcut's `response_url`, so it works in any channel without the bot being a member. Each line is the
engine's own answer to the code alone (the same as `/cpt 57461`), cut to its title and key numbers; a
number that is not a code the fee schedule knows says so. The message text is read, never logged.
"""

from __future__ import annotations

from slack_bolt import App, Respond

from bot.answer import Answer
from bot.engine import Engine
from bot.render.blocks import ELLIPSIS, MAX_SECTION_TEXT, context_block, fit, text_block
from bot.slack.messages import acknowledge, answer_question, reported

LOOKUP_CALLBACK = "cpt_lookup_codes"  # manifest.yml's message shortcut
MAX_CODES = 20  # one line each; a message naming more is summarized for its first twenty
MAX_LINE = 280
NONE_FOUND = ("I found no CPT or HCPCS codes in that message. Codes are five characters, such as 57461, "
              "99213 or J1100; ask about procedures by name with `/cpt`.")


def codes_in(engine: Engine, text: str) -> list[str]:
    """The codes written in `text` (as Slack sends it: the engine undoes Slack's markup), in order, once each."""
    return list(engine.read(text).entities.codes)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def summary_line(code: str, answer: Answer) -> str:
    """`57461` Name: fact · fact · fact (raw text: the block escapes it), or why there is nothing to show."""
    if answer.status != "answered" or code not in answer.codes:
        first = answer.headline.split(". ")[0].rstrip(".")
        return f"`{code}` {_cut(first, MAX_LINE)}."
    name = answer.title.split(" · ", 1)[-1] if answer.title else ""
    facts = [f"{f.label} {f.value}" for section in answer.sections[:1] for f in section.facts[:4]]
    year = f" (CY{answer.year})" if answer.year else ""
    line = f"{name}: {' · '.join(facts)}{year}" if facts else name or answer.headline
    return f"`{code}` {_cut(line, MAX_LINE)}"


def lookup_message(engine: Engine, text: str, user_id: str | None) -> dict:
    """The ephemeral reply: one line per code found, or a sentence saying none was found."""
    codes = codes_in(engine, text)
    if not codes:
        return {"text": NONE_FOUND, "blocks": [text_block(NONE_FOUND)]}
    lines, sources = [], []
    for code in codes[:MAX_CODES]:
        answer = answer_question(engine, code, user_id, "lookup")
        lines.append(summary_line(code, answer))
        if answer.source and answer.source not in sources:
            sources.append(answer.source)
    title = f"{len(codes)} code{'s' if len(codes) != 1 else ''} in this message"
    if len(codes) > MAX_CODES:
        title += f" (the first {MAX_CODES} shown)"
    blocks = [text_block("\n".join(f"• {line}" for line in lines), title)]
    if sources:
        blocks.append(context_block([f"Source: {s}" for s in sources]))
    fallback = fit(title + "\n" + "\n".join(lines), MAX_SECTION_TEXT)
    return {"text": fallback, "blocks": blocks}


def register(app: App, engine: Engine) -> None:
    @reported("lookup")
    def look_up(body: dict, respond: Respond) -> None:
        text = (body.get("message") or {}).get("text") or ""
        user = (body.get("user") or {}).get("id")
        respond(response_type="ephemeral", replace_original=False, **lookup_message(engine, text, user))

    app.message_shortcut(LOOKUP_CALLBACK)(ack=acknowledge, lazy=[look_up])
