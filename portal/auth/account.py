"""What a resident changes of their own account: name and e-mail, and the mobile number,
which changes only once a code sent to the new number is typed (see registration)."""

from __future__ import annotations

from portal.auth import otp, services
from portal.auth.models import CodePurpose, User
from portal.domain import Problems


def update(user: User, full_name: str, email: str | None) -> None:
    problems = Problems()
    name = problems.check(services.clean_name, full_name)
    address = services.clean_email(email)
    if address:
        problems.check(services.check_email_free, address, user.id)
    problems.raise_if_any()
    user.full_name, user.email = name, address


def send_phone_code(user: User, typed: str, now=None) -> str:
    """A code to the number typed, to prove it for this account (its own number, unproven,
    or a new one). A number another account holds gets nothing, and is told the same."""
    phone = services.clean_phone(typed)
    holder = services.holder_of(phone)
    free = holder is None or holder.id == user.id or not holder.phone_verified
    otp.send_code(
        phone,
        CodePurpose.VERIFY_PHONE,
        user=user if free else None,
        ward_id=user.ward_id,
        locale=user.locale or "vi",
        now=now,
    )
    return phone
