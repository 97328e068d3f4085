"""The reviewer's diff: one line of the unified diff per line of either text."""

from __future__ import annotations

from shared.templates.diff import diff_versions
from shared.templates.model import ChatMessage, PromptTemplate


def test_a_last_line_without_a_newline_stays_its_own_line_of_the_diff():
    old = PromptTemplate(name="t", template="Answer {{q}} briefly.", version=1)
    new = PromptTemplate(name="t", template="Answer {{q}} in one line.", version=2)
    lines = diff_versions(old, new)["text_diff"].splitlines()
    assert lines == [
        "--- v1",
        "+++ v2",
        "@@ -1 +1 @@",
        "-Answer {{q}} briefly.",
        "+Answer {{q}} in one line.",
    ]


def test_chat_messages_diff_line_by_line_under_their_roles():
    old = PromptTemplate(
        name="t", messages=[ChatMessage(role="system", content="Be kind.\nBe brief.")], version=1
    )
    new = PromptTemplate(
        name="t", messages=[ChatMessage(role="system", content="Be kind.\nBe exact.")], version=2
    )
    diff = diff_versions(old, new)
    assert diff["text_diff"].splitlines()[3:] == [
        " [system]",
        " Be kind.",
        "-Be brief.",
        "+Be exact.",
    ]
    assert diff["identical"] is False
    assert diff_versions(old, old)["identical"] is True
