"""Chat helpers: streamed slices and conversation titles."""

from __future__ import annotations

from ui.chat import MIN_SLICE_CHARS, conversation_title, stream_slices


def test_stream_slices_grow_to_the_whole_text() -> None:
    text = "安全生产许可证的有效期为3年。" * 20

    slices = list(stream_slices(text, steps=10))

    assert slices[-1] == text and len(slices) == 10
    assert all(text.startswith(s) for s in slices)
    assert [len(s) for s in slices] == sorted({len(s) for s in slices})


def test_stream_slices_send_short_and_empty_texts_whole() -> None:
    assert list(stream_slices("短答")) == ["短答"]
    assert list(stream_slices("")) == [""]
    assert len(list(stream_slices("字" * (MIN_SLICE_CHARS * 3)))) == 3


def test_conversation_title_flattens_and_shortens_the_first_question() -> None:
    assert conversation_title(" 安全生产许可证\n有效期？ ") == "安全生产许可证 有效期？"
    title = conversation_title("动火作业" * 10)
    assert len(title) == 24 and title.endswith("…")
