"""What a request carries, made safe in one place before any view sees it: the ids in its
path (the app's `int` converter), the words in its path (the string converters), the
query string's and the posted form's values (the request's parameter class), and the
filters of a list (the *_arg helpers).

Anything out of range is no page (a path) or no filter (a query argument), never a database
error: PostgreSQL's INTEGER and SQLite's 64-bit integers refuse larger numbers. Control
characters (NUL, which PostgreSQL refuses in any text, and the other invisible C0/C1 ones)
are no page in a path, and are dropped from every query and form value (a form keeps its
tabs and line breaks)."""

from __future__ import annotations

from flask import Flask, Request, request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter

from portal.db import MAX_ID
from portal.text import clean, strip_controls

MAX_PAGE = 100_000  # a list page number; past the last page the lists show the last one


def digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to `limit` (a number with more
    digits, or a larger one, does not match)."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(rf"{text[:i]}[{low}-{int(digit) - 1}]\d{{{len(text) - i - 1}}}")
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:name>` in every route: a whole number from 0 to MAX_ID (the largest id the
    database's INTEGER holds). A larger one does not match the route's pattern, so it is no
    page (404), whichever method the route takes."""

    regex = digits_at_most(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)
        self.regex = ("-?" if signed else "") + digits_at_most(self.max)


CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"  # for a regular expression's [...]


class TextConverter(UnicodeConverter):
    """`<name>` and `<string:name>`: one path segment without control characters (`%00` in
    an address does not match the route: no page)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", f"[^/{CONTROL_CLASS}]", 1)


class TextPathConverter(PathConverter):
    """`<path:name>`: a path without control characters."""

    regex = f"[^/{CONTROL_CLASS}][^{CONTROL_CLASS}]*?"


class CleanParameters(ImmutableMultiDict):
    """The query string's and the form's values, control characters dropped (tabs and line
    breaks kept: a message has paragraphs). Files are left as they are."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [
                (strip_controls(key), strip_controls(value) if isinstance(value, str) else value)
                for key, value in iter_multi_items(mapping)
            ]
        super().__init__(mapping)


class PortalRequest(Request):
    parameter_storage_class = CleanParameters


def init_app(app: Flask) -> None:
    """The app's requests and the converters of its routes (registered after this)."""
    app.request_class = PortalRequest
    app.url_map.converters.update(
        int=IdConverter, default=TextConverter, string=TextConverter, path=TextPathConverter
    )
    # Any one path segment, control characters included, for a route that must answer every
    # address alike and never puts it in a query as it is (the rating link: only its hash is
    # looked up, and every unusable link gets the same neutral page).
    app.url_map.converters["anything"] = UnicodeConverter


def id_arg(name: str) -> int | None:
    """A row's id from the query string: None when absent, not a whole number, or outside
    1..MAX_ID."""
    text = request.args.get(name, "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def page_arg(name: str = "page") -> int:
    """A list's page number from the query string: 1 when absent or not a whole number,
    at most MAX_PAGE."""
    text = request.args.get(name, "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def text_arg(name: str, max_length: int = 100) -> str:
    """Free text from the query string (a search): cleaned (see portal.text.clean), at most
    `max_length` characters."""
    return clean(request.args.get(name, ""))[:max_length]
