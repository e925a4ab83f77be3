"""Small helpers shared by every feature's forms."""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length


def max_len(n: int) -> Length:
    """A length limit with a translated message naming the limit."""
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def int_or_none(value) -> int | None:
    """Coerce a select's value without ever raising (bad input becomes None)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def options(pairs, placeholder=None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first choice."""
    result = [SelectChoice("", str(placeholder))] if placeholder is not None else []
    result.extend(SelectChoice(str(value), str(label)) for value, label in pairs)
    return result
