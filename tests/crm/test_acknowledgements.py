"""Which customer messages only thank or agree, in Chinese and English (a pure rule)."""

from __future__ import annotations

import pytest

from crm.service.acknowledgements import is_acknowledgement


@pytest.mark.parametrize("text", [
    "谢谢", "谢谢！", "好的", "好的，谢谢", "收到 谢谢啦", "谢谢您！辛苦了🙏", "嗯嗯 好的呢", "OK",
    "Thanks!", "thank you", "Thank you very much for your help, team!", "ok thanks 👍",
    "👍", "👍🏻👍🏻", "❤️", "🙏",
])
def test_thanks_and_agreement_are_acknowledgements(text: str) -> None:
    assert is_acknowledgement(text)


@pytest.mark.parametrize("text", [
    "", "   ", "啊", "哈哈", "还是不行", "不好", "没解决", "可以吗", "ok?", "好的？",
    "谢谢，不过打印机又卡纸了", "not ok", "Thanks, but it still fails", "no",
    "invoice", "谢谢" * 30,
])
def test_anything_more_is_not(text: str) -> None:
    assert not is_acknowledgement(text)
