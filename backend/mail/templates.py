"""Chinese mail texts: one notice per mail, or the daily digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SUBJECT_PREFIX = "【回音】"

FOOTER = (
    "——\n"
    "回音 · 机关党委意见建议办理平台（本邮件由系统自动发送，请勿直接回复）\n"
    "如需调整邮件提醒方式（逐条发送、每日汇总或不发送），请登录平台，在右上角的“通知设置”中修改。\n"
)


@dataclass(frozen=True)
class MailItem:
    title: str
    body: str
    link: str | None


def url(base_url: str, link: str | None) -> str | None:
    return base_url.rstrip("/") + link if link else None


def single(base_url: str, name: str, item: MailItem) -> tuple[str, str]:
    """Subject and body of the mail for one notification."""
    lines = [f"{name}，您好：", "", item.body, ""]
    target = url(base_url, item.link)
    if target:
        lines += [f"查看详情：{target}", ""]
    return SUBJECT_PREFIX + item.title, "\n".join(lines) + "\n" + FOOTER


def digest(base_url: str, name: str, items: Sequence[MailItem]) -> tuple[str, str]:
    """Subject and body of the daily digest of ``items`` (oldest first)."""
    lines = [f"{name}，您好：", "", f"自上次汇总以来，您有 {len(items)} 条新通知：", ""]
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. {item.title}")
        lines.append(f"   {item.body}")
        target = url(base_url, item.link)
        if target:
            lines.append(f"   {target}")
        lines.append("")
    lines.append(f"全部通知：{url(base_url, '/notifications')}")
    lines.append("")
    return f"{SUBJECT_PREFIX}每日通知汇总（{len(items)} 条）", "\n".join(lines) + "\n" + FOOTER
