"""Names are not paths: the one place that turns ids into file names, and the ids certlib accepts.

Why: a user id such as ``../../x`` became part of a report's file name and the report landed outside
the workspace; an id with ``/`` in it made a path to a directory that does not exist (a traceback). So:

* ids are checked when they are loaded (:func:`check_user_id`, :func:`check_code`): a user id is letters,
  digits and ``. _ @ + -`` (an e-mail address fits), a district number or school code letters, digits,
  ``_`` and ``-``; nothing else, and never ``..``;
* every file or directory certlib writes under a root is named by :func:`path_inside` from parts that
  are sanitised one by one (:func:`file_part`), and the result is checked to stay inside the root —
  so even an id that predates the checks (an old store) cannot lead a file anywhere else.

>>> file_part("../../etc/passwd")
'_._.._etc_passwd'
>>> path_inside("/ws/reports", "unit3-r1-", "ana@x.org", "-district.html").as_posix()
'/ws/reports/unit3-r1-ana@x.org-district.html'
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from certlib.errors import DataError

_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+\-]{0,127}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,31}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._@+\-]")
_MAX_PART = 120


def check_user_id(value: object, where: str = "user") -> str:
    """``value`` as a user id, or a :class:`DataError` naming ``where`` and what is allowed."""
    text = str(value)
    if not _USER_ID.fullmatch(text) or ".." in text:
        raise DataError(
            f"{where}: user id {text!r} is not allowed: use 1-128 letters, digits and . _ @ + - "
            "(starting with a letter or digit, no '..')"
        )
    return text


def check_code(value: object, kind: str, where: str) -> str:
    """``value`` as a district number or school code (``kind`` says which), or a :class:`DataError`."""
    text = str(value)
    if not _CODE.fullmatch(text):
        raise DataError(
            f"{where}: {kind} {text!r} is not allowed: use 1-32 letters, digits, _ and - "
            "(starting with a letter or digit)"
        )
    return text


def file_part(value: object) -> str:
    """One piece of a file name made from anything: unsafe characters (``/``, ``\\``, NUL, spaces, anything
    not ASCII) become ``_``; a leading dot too (no hidden files, no ``..``); never empty; bounded length."""
    text = unicodedata.normalize("NFKC", str(value))
    text = _UNSAFE.sub("_", text)
    if text.startswith("."):
        text = "_" + text[1:]
    return (text or "_")[:_MAX_PART]


def path_inside(root: str | Path, *parts: object, dirs: tuple[object, ...] = ()) -> Path:
    """``root/<dirs...>/<parts joined>``: each directory and the file name built from sanitised parts, then
    checked to resolve inside ``root`` (a :class:`DataError` otherwise). The one way certlib names a file
    from ids."""
    base = Path(root)
    path = base
    for d in dirs:
        path = path / file_part(d)
    if parts:
        path = path / file_part("".join(str(p) for p in parts))
    resolved, top = path.resolve(), base.resolve()
    if resolved != top and top not in resolved.parents:
        raise DataError(f"{path}: a file name built from ids would leave {base}")
    return path


__all__ = ["check_code", "check_user_id", "file_part", "path_inside"]
