from __future__ import annotations

import pytest

from ingestion.numerals import (
    article_label,
    chinese_to_int,
    int_to_chinese,
    parse_article_label,
)


@pytest.mark.parametrize(
    ("text", "number"),
    [("一", 1), ("十", 10), ("十五", 15), ("二十", 20), ("一百零二", 102),
     ("一百一十", 110), ("一百一十九", 119), ("二百", 200), ("一千零五", 1005), ("21", 21)],
)  # fmt: skip
def test_numerals_parse_and_format_both_ways(text: str, number: int) -> None:
    assert chinese_to_int(text) == number
    if not text.isdigit():
        assert int_to_chinese(number) == text


def test_numerals_round_trip_every_article_number() -> None:
    for number in range(1, 1200):
        assert chinese_to_int(int_to_chinese(number)) == number


def test_numerals_article_labels_with_suffix() -> None:
    assert parse_article_label("第十七条之一") == (17, 1)
    assert parse_article_label("第21条") == (21, 0)
    assert article_label(102) == "第一百零二条"
    assert article_label(120, 2) == "第一百二十条之二"


def test_numerals_reject_non_numerals() -> None:
    with pytest.raises(ValueError, match="not a Chinese numeral"):
        chinese_to_int("第三")
    with pytest.raises(ValueError, match="not an article label"):
        parse_article_label("第三章")
