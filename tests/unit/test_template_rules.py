"""The template write rules (`shared.templates.rules`), from case files, without a store."""

from __future__ import annotations

from typing import Any

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
