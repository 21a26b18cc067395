"""What the API accepts: one set of types for every request body, path and query parameter.

- :class:`RequestBody` is the base of every request body: an unknown field is a 422 that names
  it, never silently dropped (a misspelt PATCH field must not answer 200 and change nothing).
- :data:`OneLine` and :data:`MultiLine` are text: one-line text (titles, names, subjects) refuses
  every control character, including CR and LF, so it can never break a header or a log line;
  multi-line text (content, replies, notes) keeps line feeds and tabs and refuses the rest.
  Both strip surrounding white space, so a blank value fails its ``min_length``.
- :data:`Id` is a database id: 1 … 2^31-1, what the id columns (INTEGER) hold on PostgreSQL;
  anything else is a 422 before it reaches a driver or a database that would overflow.
- :data:`Instant` and :data:`Day` are timestamps and dates in years 1900–9000, so that converting
  them between zones, or counting days from them, cannot overflow.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # the id columns are INTEGER: 32 bits on PostgreSQL
FIRST_YEAR = 1900
LAST_YEAR = 9000


class RequestBody(BaseModel):
    """The base of every request body model (responses are plain ``BaseModel``s)."""

    model_config = ConfigDict(extra="forbid")


# Unicode category Cc (C0, DEL, C1) plus the line and paragraph separators.
NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, less tab and line feed (a CR LF pair is turned into a line feed first).
_NOT_MULTI_LINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    if NOT_ONE_LINE.search(v):
        raise PydanticCustomError(
            "control_character",
            "One-line text may not contain line breaks, tabs or other control characters.",
        )
    return v.strip()


def _multi_line(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    v = v.replace("\r\n", "\n")
    if _NOT_MULTI_LINE.search(v):
        raise PydanticCustomError(
            "control_character",
            "Text may contain line feeds and tabs but no other control characters.",
        )
    return v.strip()


OneLine = Annotated[str, BeforeValidator(_one_line)]
MultiLine = Annotated[str, BeforeValidator(_multi_line)]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


_Dated = TypeVar("_Dated", bound=date)  # a date, or a datetime (a subclass of date)


def _in_years(v: _Dated) -> _Dated:
    # A timestamp's wall-clock year, before any conversion: an offset moves it by under a day.
    if not _year_in_range(v.year):
        raise PydanticCustomError(
            "out_of_range",
            "Dates and timestamps must lie in the years {first} to {last}.",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return v


Instant = Annotated[datetime, AfterValidator(_in_years)]
Day = Annotated[date, AfterValidator(_in_years)]


def instant_in_range(v: datetime) -> bool:
    """For values that do not come through validation (e.g. decoded from a cursor)."""
    return _year_in_range(v.year)


def id_in_range(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_ID
