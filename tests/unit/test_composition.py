"""Composition (`@@@langfusePrompt:...@@@`): pure expansion over a loader, cycle and depth
checks, the resolution graph; and the resolution service applying it for both APIs."""

from __future__ import annotations

import pytest

from shared.errors import TemplateNotFound, ValidationFailed
from shared.templates.composition import MAX_DEPTH, compose, included_names
from shared.templates.model import PromptTemplate


def text(name: str, body: str, version: int = 1) -> PromptTemplate:
    return PromptTemplate(name=name, template=body, version=version)


class Store:
    def __init__(
        self, *templates: PromptTemplate, labels: dict[tuple[str, str], int] | None = None
    ):
        self.by_version = {(t.name, t.version): t for t in templates}
        self.labels = labels or {}
        self.calls: list[tuple[str, str | None, int | None]] = []

    def __call__(self, name: str, *, label: str | None, version: int | None) -> PromptTemplate:
        self.calls.append((name, label, version))
        if version is None:
            version = self.labels.get((name, label or "production"))
        if (name, version) not in self.by_version:
            raise TemplateNotFound(name)
        return self.by_version[(name, version)]


def test_label_and_version_includes_expand_and_fill_the_graph():
    store = Store(
        text("tone", "Be {{mood}}.", 1),
        text("tone", "Be calm.", 2),
        text("sig", "-- {{team}}", 4),
        labels={("tone", "production"): 2},
    )
    root = text(
        "mail",
        "@@@langfusePrompt:name=tone|label=production@@@ Hi {{who}}\n"
        "@@@langfusePrompt:name=sig|version=4@@@",
        7,
    )
    composed = compose(root, store)
    assert composed.template.template == "Be calm. Hi {{who}}\n-- {{team}}"
    assert composed.template.variables == ["who", "team"]
    assert composed.graph == {
        "root": {"name": "mail", "version": 7},
        "dependencies": {
            "mail@7": [
                {"name": "tone", "version": 2, "label": "production"},
                {"name": "sig", "version": 4},
            ]
        },
    }


def test_nothing_to_include_is_the_same_object_and_no_graph():
    root = text("plain", "Hi")
    composed = compose(root, Store())
    assert composed.template is root
    assert composed.graph is None


def test_chat_message_contents_are_expanded_and_placeholders_kept():
    store = Store(text("rules", "Never lie.", 1))
    chat = PromptTemplate(
        name="bot",
        version=1,
        messages=[
            {"role": "system", "content": "@@@langfusePrompt:name=rules|version=1@@@"},
            {"role": "placeholder", "content": "history"},
        ],
    )
    messages = compose(chat, store).template.messages or []
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Never lie."),
        ("placeholder", "history"),
    ]


def test_nested_includes_and_cycles():
    store = Store(
        text("a", "A(@@@langfusePrompt:name=b|version=1@@@)"),
        text("b", "B(@@@langfusePrompt:name=c|version=1@@@)"),
        text("c", "C"),
        text("loop", "@@@langfusePrompt:name=loop2|version=1@@@"),
        text("loop2", "@@@langfusePrompt:name=loop|version=1@@@"),
    )
    assert compose(store.by_version[("a", 1)], store).template.template == "A(B(C))"
    with pytest.raises(ValidationFailed, match="includes itself: loop -> loop2 -> loop"):
        compose(store.by_version[("loop", 1)], store)


def test_depth_is_limited():
    chain = [text(f"p{i}", f"@@@langfusePrompt:name=p{i + 1}|version=1@@@") for i in range(10)]
    store = Store(*chain, text("p10", "end"))
    with pytest.raises(ValidationFailed, match=f"deeper than {MAX_DEPTH}"):
        compose(chain[0], store)
    assert compose(chain[10 - MAX_DEPTH], store).template.template == "end"


@pytest.mark.parametrize(
    "tag",
    [
        "name=x",  # neither label nor version
        "name=x|label=a|version=1",
        "name=x|version=0",
        "name=x|version=one",
        "label=production",
        "name=x|label=Bad Label",
        "name=x|colour=red",
    ],
)
def test_malformed_tags_are_refused(tag):
    with pytest.raises(ValidationFailed):
        compose(text("t", f"@@@langfusePrompt:{tag}@@@"), Store(text("x", "X")))


def test_only_text_prompts_can_be_included():
    chat = PromptTemplate(name="c", version=1, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(ValidationFailed, match="chat prompt"):
        compose(text("t", "@@@langfusePrompt:name=c|version=1@@@"), Store(chat))


def test_included_names_lists_each_included_prompt_once_and_ignores_malformed_tags():
    body = (
        "@@@langfusePrompt:name=a|label=production@@@ @@@langfusePrompt:name=b|version=2@@@ "
        "@@@langfusePrompt:name=a|version=1@@@ @@@langfusePrompt:label=x@@@ plain"
    )
    assert included_names(text("t", body)) == {"a", "b"}
    assert included_names(text("t", "no includes {{name}}")) == set()
    chat = PromptTemplate(
        name="c",
        messages=[
            {"role": "system", "content": "@@@langfusePrompt:name=folder/s|label=staging@@@"},
            {"role": "user", "content": "{{q}}"},
        ],
    )
    assert included_names(chat) == {"folder/s"}
