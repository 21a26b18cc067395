"""Invariants of the demo university's Chinese content (``backend.demo.content``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from backend.demo import content
from backend.demo.content import (
    CATEGORIES,
    COLLEGES,
    DEPARTMENTS,
    EXTENSION_REASONS,
    PERSON_NAMES,
    PROGRESS_NOTES,
    REJECT_REASONS,
    REPLIES,
    RETURN_REASONS,
    REVISIT_NOTES,
    SCORE_COMMENTS,
    TOPICS,
    pick,
    topic_for,
)

EXPECTED_DEPARTMENTS = {
    "JWC": "教务处",
    "XGC": "学生工作处",
    "HQC": "后勤保障处",
    "CWC": "财务处",
    "RSC": "人事处",
    "KYC": "科研处",
    "XXZX": "信息化建设中心",
    "BWC": "保卫处",
}
DEPT_CODES = [code for code, _ in DEPARTMENTS]
CODE_RE = re.compile(r"[A-Z]{2,6}")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
CJK_NAME_RE = re.compile(r"[\u4e00-\u9fff]{2,3}")

EXPECTED_PUBLIC_NAMES = {
    "DEPARTMENTS",
    "COLLEGES",
    "CATEGORIES",
    "TOPICS",
    "REPLIES",
    "RETURN_REASONS",
    "PROGRESS_NOTES",
    "EXTENSION_REASONS",
    "REVISIT_NOTES",
    "SCORE_COMMENTS",
    "REJECT_REASONS",
    "PERSON_NAMES",
    "pick",
    "topic_for",
}


def _strings(value: object) -> Iterator[str]:
    """Every string inside a (possibly nested) list / tuple / dict, dict keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _all_strings() -> list[str]:
    return list(
        _strings(
            [
                DEPARTMENTS,
                COLLEGES,
                CATEGORIES,
                TOPICS,
                REPLIES,
                RETURN_REASONS,
                PROGRESS_NOTES,
                EXTENSION_REASONS,
                REVISIT_NOTES,
                list(SCORE_COMMENTS.values()),
                REJECT_REASONS,
                PERSON_NAMES,
            ]
        )
    )


def test_public_names_are_exactly_the_specified_ones() -> None:
    assert set(content.__all__) == EXPECTED_PUBLIC_NAMES
    for name in EXPECTED_PUBLIC_NAMES:
        assert hasattr(content, name), name


# --- departments, colleges, categories ---------------------------------------------------------


def test_departments_are_exactly_the_eight_expected() -> None:
    assert len(DEPARTMENTS) == 8
    assert dict(DEPARTMENTS) == EXPECTED_DEPARTMENTS


def test_department_codes_and_names_unique_and_short_ascii_upper() -> None:
    names = [name for _, name in DEPARTMENTS]
    assert len(set(DEPT_CODES)) == len(DEPT_CODES)
    assert len(set(names)) == len(names)
    for code in DEPT_CODES:
        assert CODE_RE.fullmatch(code), code


def test_colleges_ten_with_unique_short_ascii_upper_codes() -> None:
    assert len(COLLEGES) == 10
    codes = [code for code, _ in COLLEGES]
    names = [name for _, name in COLLEGES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for code in codes:
        assert CODE_RE.fullmatch(code), code
    for name in names:
        assert CJK_RE.search(name), name
    assert dict(COLLEGES)["CS"] == "计算机科学与技术学院"
    assert dict(COLLEGES)["FL"] == "外国语学院"


def test_college_codes_do_not_collide_with_department_codes() -> None:
    assert not {code for code, _ in COLLEGES} & set(DEPT_CODES)


def test_categories_route_to_existing_departments() -> None:
    assert 8 <= len(CATEGORIES) <= 14
    names = [name for name, _ in CATEGORIES]
    assert len(set(names)) == len(names)
    for name, dept in CATEGORIES:
        assert dept in EXPECTED_DEPARTMENTS, (name, dept)
    # every department can receive tickets through at least one default category
    assert {dept for _, dept in CATEGORIES} == set(DEPT_CODES)
    for required in ("教学管理", "学生事务", "后勤服务", "财务报销", "校园安全", "食堂餐饮"):
        assert required in names


# --- topics -------------------------------------------------------------------------------------


def test_every_department_has_topics_and_replies_and_nothing_else() -> None:
    assert set(TOPICS) == set(DEPT_CODES)
    assert set(REPLIES) == set(DEPT_CODES)


@pytest.mark.parametrize("dept", DEPT_CODES)
def test_topics_per_department(dept: str) -> None:
    topics = TOPICS[dept]
    assert len(topics) >= 12
    for title, body in topics:
        assert 8 <= len(title) <= 30, title
        assert 60 <= len(body) <= 300, title
        assert CJK_RE.search(title), title
        assert CJK_RE.search(body), title


def test_topic_total_at_least_96() -> None:
    assert sum(len(topics) for topics in TOPICS.values()) >= 96


def test_no_duplicate_titles_or_contents_across_departments() -> None:
    titles = [title for topics in TOPICS.values() for title, _ in topics]
    bodies = [body for topics in TOPICS.values() for _, body in topics]
    assert len(titles) == len(set(titles))
    assert len(bodies) == len(set(bodies))


def test_contents_and_replies_contain_no_html_angle_brackets() -> None:
    for topics in TOPICS.values():
        for title, body in topics:
            for text in (title, body):
                assert not set(text) & set("<>＜＞"), title
    for text in _all_strings():
        assert "<" not in text, text
        assert ">" not in text, text


# --- replies and workflow texts -----------------------------------------------------------------


@pytest.mark.parametrize("dept", DEPT_CODES)
def test_replies_per_department(dept: str) -> None:
    replies = REPLIES[dept]
    assert len(replies) >= 6
    assert len(set(replies)) == len(replies)
    for reply in replies:
        assert 80 <= len(reply) <= 300, reply


def test_return_reasons_have_exactly_the_expected_codes() -> None:
    assert [code for code, _ in RETURN_REASONS] == [
        "not_our_remit",
        "needs_info",
        "duplicate",
        "other",
    ]
    texts = [text for _, text in RETURN_REASONS]
    assert len(set(texts)) == len(texts)
    for text in texts:
        assert CJK_RE.search(text), text


def test_progress_and_extension_texts() -> None:
    assert len(PROGRESS_NOTES) >= 10
    assert len(set(PROGRESS_NOTES)) == len(PROGRESS_NOTES)
    assert len(EXTENSION_REASONS) >= 6
    assert len(set(EXTENSION_REASONS)) == len(EXTENSION_REASONS)


def test_revisit_notes_keyed_by_outcome() -> None:
    assert set(REVISIT_NOTES) == {"resolved", "partly", "unresolved"}
    for outcome, notes in REVISIT_NOTES.items():
        assert len(notes) >= 4, outcome
        assert len(set(notes)) == len(notes), outcome


def test_score_comments_for_every_score_one_to_five() -> None:
    assert set(SCORE_COMMENTS) == {1, 2, 3, 4, 5}
    for score, comments in SCORE_COMMENTS.items():
        assert len(comments) >= 3, score
        assert len(set(comments)) == len(comments), score
    every = [c for comments in SCORE_COMMENTS.values() for c in comments]
    assert len(every) == len(set(every))


def test_reject_reasons() -> None:
    assert len(REJECT_REASONS) >= 4
    assert len(set(REJECT_REASONS)) == len(REJECT_REASONS)


def test_person_names_realistic_and_varied() -> None:
    assert len(PERSON_NAMES) >= 60
    assert len(set(PERSON_NAMES)) == len(PERSON_NAMES)
    for name in PERSON_NAMES:
        assert CJK_NAME_RE.fullmatch(name), name
    assert len({name[0] for name in PERSON_NAMES}) >= 30


def test_all_strings_non_empty_and_stripped() -> None:
    strings = _all_strings()
    assert len(strings) > 400  # the collector really walked the data
    for text in strings:
        assert text, "empty string"
        assert text == text.strip(), repr(text)
        assert "\n" not in text, repr(text)


# --- helpers ------------------------------------------------------------------------------------


def test_pick_is_modular_and_deterministic() -> None:
    seq = ["甲", "乙", "丙"]
    assert [pick(seq, i) for i in range(7)] == ["甲", "乙", "丙", "甲", "乙", "丙", "甲"]
    assert pick(seq, -1) == "丙"
    assert pick(seq, 10**12 + 1) == seq[(10**12 + 1) % 3]
    n = len(PERSON_NAMES)
    assert pick(PERSON_NAMES, 123) == pick(PERSON_NAMES, 123) == PERSON_NAMES[123 % n]
    assert pick((1, 2), 3) == 2


def test_pick_on_empty_sequence_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        pick([], 0)


@pytest.mark.parametrize("dept", DEPT_CODES)
def test_topic_for_is_deterministic_pick_from_department(dept: str) -> None:
    topics = TOPICS[dept]
    n = len(topics)
    for i in range(-2, 2 * n + 3):
        assert topic_for(dept, i) == topics[i % n]
        assert topic_for(dept, i) == topic_for(dept, i + n)
    assert {topic_for(dept, i) for i in range(n)} == set(topics)


def test_topic_for_unknown_department_raises() -> None:
    with pytest.raises(KeyError):
        topic_for("NOPE", 0)
