"""How many SMS segments each text message takes, in Vietnamese and English, sent in plain
letters (SMS_WITHOUT_DIACRITICS, the default) and as written (Unicode), with the longest
values the portal lets through (titles cut to 40 characters, places to 40, reasons to 60).

    python bench/sms_segments.py
"""

from __future__ import annotations

import common  # noqa: F401 - puts the repo on sys.path
from flask_babel import force_locale

from config import TestingConfig
from portal import create_app
from portal.auth.messages import code_text
from portal.dialogues.messages import _sms as dialogue_sms
from portal.feedback.messages import _sms as feedback_sms
from portal.notifications.sms_text import prepare, segments, short
from portal.satisfaction.messages import sms_text as rating_link_sms

DIALOGUE_KINDS = (
    "booking_confirmed",
    "booking_waitlisted",
    "booking_promoted",
    "booking_reminder",
    "booking_cancelled",
    "results_published",
)
FEEDBACK_KINDS = (
    "feedback_received",
    "feedback_reply",
    "feedback_answered",
    "feedback_info_requested",
    "feedback_transferred",
    "feedback_rejected",
)
WARD = "Phường Bồ Đề"
DIALOGUE = {
    "ward": WARD,
    "title": short("Hội nghị đối thoại giữa Chủ tịch UBND phường với Nhân dân năm 2026", 40),
    "when": "08:00 16/12/2026",
    "place": short("Hội trường tầng 3, trụ sở UBND phường Bồ Đề, số 1 phố Bồ Đề", 40),
    "code": "9ZNVPCQK",
    "position": 12,
    "reason": short("Buổi đối thoại được dời sang tháng sau vì trùng lịch họp của Thành ủy", 60),
    "url": "https://congphuong.example.vn/d/phuong-bo-de/123",
}
FEEDBACK = {
    "ward": WARD,
    "code": "PA-2026-000123",
    "due": "16/12/2026",
    "authority": short("Ủy ban nhân dân quận Long Biên, thành phố Hà Nội", 50),
}


def texts(locale: str) -> dict[str, str]:
    with force_locale(locale):
        found = {"one_time_code": code_text("123456", 5)}
        found.update({kind: dialogue_sms(kind, DIALOGUE) for kind in DIALOGUE_KINDS})
        found.update({kind: feedback_sms(kind, FEEDBACK) for kind in FEEDBACK_KINDS})
        link = "https://congphuong.example.vn/r/" + "A" * 43  # a token's length
        found["rating_link"] = rating_link_sms(
            {"ward": WARD, "number": "BN-2026-0420", "link": link}
        )
    return found


def main() -> None:
    app = create_app(TestingConfig)
    with app.test_request_context():
        vi, en = texts("vi"), texts("en")
    print(f"{'kind':<26} {'vi plain':>8} {'vi unicode':>10} {'en':>4}  chars(vi plain)")
    for kind in vi:
        plain, _ = prepare(vi[kind], plain=True)
        written, _ = prepare(vi[kind], plain=False)
        english, _ = prepare(en[kind], plain=True)
        print(
            f"{kind:<26} {segments(plain):>8} {segments(written):>10} {segments(english):>4}"
            f"  {len(plain)}"
        )


if __name__ == "__main__":
    main()
