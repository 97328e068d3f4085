"""The template write rules (`shared.templates.rules`), from case files, without a store."""

from __future__ import annotations

from typing import Any

import pytest

from shared.errors import PreconditionFailed, TemplateNotFound, ValidationFailed
from shared.templates import rules
from shared.templates.model import PromptTemplate
from tests.support import refused

TEMPLATE = PromptTemplate(name="t", description="d", template="Hello {{name}}")


def _label_change(case: dict[str, Any]) -> rules.LabelChange:
    head = rules.live_head(case["head"], "t", case.get("if_match"))
    label = case["label"]
    if case["op"] == "move":
        return rules.move_label(head, label, case["target"], target_exists=case["target_exists"])
    if case["op"] == "remove":
        return rules.remove_label(head, label)
    target = rules.rollback_target(head, label, case["history"])
    return rules.rollback(head, label, target, target_exists=case["target_exists"])


def test_label_moves_case(label_moves_case):
    case = label_moves_case
    if refused(_label_change, case):
        return
    change = _label_change(case)
    expected = case["expected"]
    assert (change.from_version, change.to_version) == (expected["from"], expected["to"])
    write = change.write("ada", "req-1")
    assert write.head == {"labels": expected["labels"], "update_count": expected["revision"]}
    assert write.action == expected["action"]
    assert write.target == f"templates/t/labels/{case['label']}"
    assert write.history == {
        "label": case["label"],
        "from_version": expected["from"],
        "to_version": expected["to"],
        "kind": expected["history_kind"],
        "revision": expected["revision"],
        "actor": "ada",
        "request_id": "req-1",
    }
    assert (write.before, write.after) == (
        {"version": expected["from"]},
        {"version": expected["to"]},
    )
    assert write.version is None
    assert not write.new_head


def _template_change(case: dict[str, Any]) -> rules.TemplateChange | None:
    head, op = case["head"], case["op"]
    if op == "create":
        return rules.create_template(head, TEMPLATE, author="ada", commit_message="m")
    if op == "seed":
        return rules.seed_template(
            head, TEMPLATE, author="ada", commit_message="m", labels=tuple(case["labels"])
        )
    if op == "add_version":
        latest = TEMPLATE.content_hash if case["latest_hash"] == "SAME" else case["latest_hash"]
        live = rules.live_head(head, "t", case.get("if_match"))
        return rules.add_version(live, latest, TEMPLATE, author="ada", commit_message="m")
    if op == "delete":
        return rules.delete_template(
            head, "t", if_match=case.get("if_match"), blocker=case.get("blocker"), by="ada"
        )
    return rules.restore_template(head, "t")


def test_template_writes_case(template_writes_case):
    case = template_writes_case
    if refused(_template_change, case):
        return
    change = _template_change(case)
    expected = case["expected"]
    if expected is None:
        assert change is None
        return
    assert change is not None
    assert change.action == expected["action"]
    assert change.target == "templates/t"
    assert change.head == expected["head"]
    assert change.new_head == expected["new_head"]
    assert change.history is None
    for key in ("before", "after"):
        if key in expected:
            assert getattr(change, key) == expected[key]
    if "version" in expected:
        assert change.version is not None
        assert change.version.version == expected["version"]
        assert (change.version.author, change.version.commit_message) == ("ada", "m")
        assert change.version.parent_version == expected.get("parent_version")
        assert change.version.content_hash == TEMPLATE.content_hash
    else:
        assert change.version is None


def test_seed_reverts_case(seed_reverts_case):
    case = seed_reverts_case
    kept = rules.why_seed_touched(case["head"], case["version"], "migration:0002_seed_templates")
    assert kept == case["kept"]


def _publish(existing: dict[str, Any] | None, latest_hash: str | None, labels: list[str], **kw):
    return rules.publish(
        existing,
        latest_hash,
        TEMPLATE,
        labels,
        if_match=kw.get("if_match"),
        author="ada",
        request_id="req-1",
        commit_message="",
    )


def test_publish_plans_a_new_template_then_one_move_per_label_with_rising_revisions():
    published = _publish(None, None, ["production", "beta", "production"])
    assert published.version == 1
    actions = [(c.action, c.head["update_count"]) for c in published.changes]
    assert actions == [("template.create", 1), ("label.move", 2), ("label.move", 3)]
    assert published.changes[-1].head["labels"] == {"production": 1, "beta": 1}


def test_publish_onto_identical_content_moves_labels_to_the_latest_version_only():
    head = {"name": "t", "labels": {"production": 1}, "latest_version": 2, "update_count": 4}
    published = _publish(head, TEMPLATE.content_hash, ["production", "beta"])
    assert published.version == 2
    assert [(c.action, c.head["update_count"]) for c in published.changes] == [
        ("label.move", 5),
        ("label.move", 6),
    ]
    assert _publish(head, TEMPLATE.content_hash, []).changes == []


def test_publish_refuses_as_the_separate_rules_would():
    head = {"name": "t", "labels": {}, "latest_version": 1, "update_count": 2}
    with pytest.raises(PreconditionFailed):
        _publish(head, None, [], if_match=1)
    with pytest.raises(PreconditionFailed):  # If-Match on a template that is not there yet
        _publish(None, None, [], if_match=1)
    with pytest.raises(ValidationFailed):
        _publish(head, None, ["latest"])
    with pytest.raises(TemplateNotFound):
        _publish({**head, "deleted": True}, None, [])


def test_move_labels_leaves_a_label_already_on_the_version_alone():
    head = {"name": "t", "labels": {"production": 2}, "latest_version": 2, "update_count": 3}
    changes = rules.move_labels(
        head, ["production", "beta"], 2, target_exists=True, author="ada", request_id="r"
    )
    assert [(c.target, c.head["update_count"]) for c in changes] == [("templates/t/labels/beta", 4)]


def _including(*names: str) -> PromptTemplate:
    tags = " ".join(f"@@@langfusePrompt:name={n}|label=production@@@" for n in names)
    return PromptTemplate(name="t", template=f"{tags} {{{{name}}}}")


def test_the_head_lists_every_name_its_versions_include_and_the_list_only_grows():
    created = rules.create_template(None, _including("b", "a"), author="ada", commit_message="m")
    assert created.head["includes"] == ["a", "b"]
    head = {**created.head}
    added = rules.add_version(head, "sha256:old", _including("c"), author="ada", commit_message="m")
    assert added.head["includes"] == ["a", "b", "c"]  # an older version may be labelled again
    same = rules.add_version(head, "sha256:old", _including("a"), author="ada", commit_message="m")
    assert "includes" not in same.head  # nothing new: the field is left as it is
    plain = rules.create_template(None, TEMPLATE, author="ada", commit_message="m")
    assert "includes" not in plain.head
