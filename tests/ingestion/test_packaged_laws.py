"""The packaged national laws: default selection, current versions only."""

from __future__ import annotations

from ingestion.packaged_laws import load_packaged_laws
from minqian.settings import LawSourceSettings

REQUIRED = {
    "中华人民共和国安全生产法", "中华人民共和国危险化学品安全法", "中华人民共和国消防法",
    "中华人民共和国特种设备安全法", "中华人民共和国职业病防治法", "中华人民共和国矿山安全法",
    "中华人民共和国突发事件应对法", "中华人民共和国行政处罚法", "中华人民共和国行政许可法",
    "中华人民共和国劳动法",
}  # fmt: skip


def test_default_selection_has_the_safety_laws_in_their_current_version() -> None:
    documents = {d.instrument.title: d for d in load_packaged_laws(LawSourceSettings(), {})}
    assert REQUIRED <= set(documents)
    law = documents["中华人民共和国安全生产法"]
    assert law.instrument.version_date == "2021-06-10" and law.instrument.status == "现行有效"
    assert len(law.articles) == 119  # the 2021 text, not an earlier version
    article = next(a for a in law.articles if a.label == "第二十一条")
    assert article.path == ("第二章 生产经营单位的安全生产保障",)
    assert article.paragraphs[0].startswith("生产经营单位的主要负责人对本单位安全生产工作负有下列职责")
    assert "（七）及时、如实报告生产安全事故。" in article.paragraphs[0]
    assert "安全生产法" in law.instrument.short_titles


def test_selection_can_add_titles_or_take_everything() -> None:
    extra = LawSourceSettings(extra_titles=["中华人民共和国刑法"])
    documents = {d.instrument.title: d for d in load_packaged_laws(extra, {})}
    # 刑法's only text is the consolidated one marked 已被修改 (later amendments).
    criminal = documents["中华人民共和国刑法"].instrument
    assert (criminal.status, criminal.version_date) == ("已修改", "2020-12-26")
    everything = list(load_packaged_laws(LawSourceSettings(selection="all"), {}))
    assert len(everything) > 300
    assert all(d.instrument.status in ("现行有效", "已修改", "尚未施行") for d in everything)
    assert len({d.instrument.title for d in everything}) == len(everything)
    assert list(load_packaged_laws(LawSourceSettings(selection="none"), {})) == []
