"""Short replies keep what bears on the question (issue 9): points and sentences that share the question's
words, a title cut to its first clause, the full card one step away and untouched."""

from __future__ import annotations

from bot.render import render_text


def test_a_list_of_points_keeps_the_points_the_question_is_about(engine):
    ans = engine.answer("Is a neurosurgeon and a neurologist the same specialty for new vs established patient?")
    short, full = render_text(ans), render_text(ans, full=True)
    assert "neurology" in short
    assert "nurse practitioner" not in short and "nurse practitioner" in full
    assert len(short) < len(full)


def test_the_sentence_that_answers_a_detail_is_kept(engine):
    ans = engine.answer("How to use modifier 25 - are separate diagnoses required?")
    assert "not required" in render_text(ans)


def test_a_question_about_money_keeps_the_payment_row(engine):
    ans = engine.answer("How much does modifier 25 reduce the payment?")
    assert "Payment" in render_text(ans)


def test_help_is_never_trimmed(engine):
    ans = engine.answer("help")
    assert ans.full is None and any(s.title == "Try" for s in ans.sections)


def test_a_title_that_is_a_whole_long_description_is_cut_and_kept_in_the_full_card():
    from bot.answer import Answer
    from bot.answers.focus import shorten

    long = ("G2211 · Visit complexity inherent to evaluation and management associated with medical care services, "
            "part of ongoing care (add-on code, list separately)")
    ans = shorten(Answer(status="answered", intent="describe", headline="It is an add-on.", title=long))
    assert len(ans.title) <= 91 and ans.title.endswith("…")
    assert ans.full is not None and ans.full[0].body == long
