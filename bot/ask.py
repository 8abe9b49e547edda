"""One question from one person: the single entry point the CLI and the Slack layer both call.

It exists so that the CLI, a DM, a mention and `/cpt` give the same answer to the same question: the
caller passes who is asking and gets an `Answer` back. Here, and only here, the person's saved defaults
(locality, setting) are read before the engine answers and what the answer says to remember is saved
after: the engine stays a pure function of question and context.

Saving is a convenience, never a reason to fail: if the preferences database cannot be read the question
is answered without defaults, and if it cannot be written the answer says so in plain words (no path, no
error text: a Slack channel may read it).
"""

from __future__ import annotations

from bot.answer import Answer
from bot.engine import AskContext, Engine
from bot.lazylog import LazyLogger
from bot.preferences import PreferencesError, PreferenceStore, default_preferences

log = LazyLogger(__name__)
NOT_SAVED = "I couldn't save that, so I won't remember it next time (the bot's storage is not writable)."


def ask(engine: Engine, question: str, user_id: str | None = None,
        preferences: PreferenceStore | None = None) -> Answer:
    """Answer `question` for `user_id` (None for an anonymous caller: nothing is read or saved).

    `preferences` defaults to the shared database (DATABASE_URL) or else the file in the data directory
    (`CPTBOT_DATA_DIR`); tests pass their own.
    """
    if user_id is None:
        return engine.answer(question, AskContext())
    locality = setting = None
    prefs = preferences
    try:
        if prefs is None:
            prefs = default_preferences()
        locality, setting = prefs.get(user_id)
    except PreferencesError as exc:
        log.warning("cannot read saved preferences: %s", exc)
    answer = engine.answer(question, AskContext(user_id=user_id, locality=locality,
                                                setting=setting))  # type: ignore[arg-type]
    if answer.remember:
        try:
            if prefs is None:
                raise PreferencesError("no preferences storage")
            prefs.apply(user_id, answer.remember)
        except (PreferencesError, ValueError) as exc:
            log.warning("cannot save preferences: %s", exc)
            answer.notes.append(NOT_SAVED)
    return answer
