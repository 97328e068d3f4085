"""The reader and matcher behind the documentation's tested examples."""

from __future__ import annotations

import pytest

from tests.doc_examples import answer_mismatches, mismatches, read_examples


def test_examples_and_their_answers_are_read_from_markdown(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n```bash example\ncurl -s x\n```\n\nprose\n\n```json answer\n"
        '{"a": 1}\n```\n\n```bash\nnot an example\n```\n\n```python example\nprint(1)\n```\n'
    )
    first, second = read_examples(page)
    assert (first.language, first.code, first.answer_kind, first.answer) == (
        "bash",
        "curl -s x",
        "json",
        '{"a": 1}',
    )
    assert (second.language, second.code, second.answer_kind) == ("python", "print(1)", None)
    assert first.where == "page.md:3"  # the line of its opening fence


@pytest.mark.parametrize(
    ("sample", "actual", "ok"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": 1}, {"b": 1}, False),
        ({"h": "sha256:..."}, {"h": "sha256:abc"}, True),
        ({"h": "sha256:..."}, {"h": "md5:abc"}, False),
        ({"t": "You are ..."}, {"t": "You are the one"}, True),
        ({"x": "..."}, {"x": [1, {"y": None}]}, True),
        ([1, "..."], [1, 2, 3], True),
        ([1, 2], [1, 2, 3], False),
        ([{"a": 1}], [{"a": 1, "b": 0}], True),
        ([{"a": 1}, "..."], [], False),
        ({"n": None}, {"n": 0}, False),
    ],
)
def test_a_sample_matches_a_real_answer_only_where_it_says_so(sample, actual, ok):
    assert (mismatches(sample, actual) == []) is ok


def test_json_answers_are_matched_against_the_last_object_printed(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('```bash example\nx\n```\n```json answer\n{"v": 2}\n```\n')
    (example,) = read_examples(page)
    assert answer_mismatches(example, 'ETag: "r1"\n{"v": 1}\n{"v": 2}\n') == []
    assert answer_mismatches(example, '{"v": 2}\n{"v": 1}\n') != []
    assert answer_mismatches(example, "no json") == ["the example printed no JSON object"]


def test_text_answers_need_each_line_printed(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python example\nx\n```\n```text answer\nfirestore 1\n```\n")
    (example,) = read_examples(page)
    assert answer_mismatches(example, "firestore 1\n") == []
    assert answer_mismatches(example, "default 1\n") == ["not printed: 'firestore 1'"]
