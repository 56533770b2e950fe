"""Identity: demo picker vs deployed identity from a trusted header or the request's user."""

from __future__ import annotations

import pytest

from certlib import identity as ident
from certlib.apps import session


def test_demo_mode_shows_picker_and_uses_the_pick():
    i = ident.resolve({}, None, picked="dist-certifier")
    assert (i.mode, i.user_id, i.show_picker, i.source) == ("demo", "dist-certifier", True, "demo")
    assert "Demo mode" in i.banner("Dana")
    nobody = ident.resolve({}, None)
    assert not nobody.signed_in and nobody.show_picker
    assert ident.resolve({"CERTLIB_DEMO_USER": "u7"}, None).user_id == "u7"


def test_header_mode_trusts_only_the_configured_header_and_never_the_picker():
    env = {"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}
    req = {"headers": {"x-forwarded-user": "ana", "x-remote-user": "mallory"}, "user": {}}
    i = ident.resolve(env, req, picked="state-approver")
    assert (i.mode, i.user_id, i.show_picker, i.source) == ("deployed", "ana", False, "header:X-Forwarded-User")
    missing = ident.resolve(env, {"headers": {"x-remote-user": "mallory"}}, picked="state-approver")
    assert missing.user_id is None and not missing.show_picker
    assert "X-Forwarded-User" in missing.problem and "Not signed in" in missing.banner()


def test_request_user_mode():
    env = {"CERTLIB_IDENTITY": "request"}
    ok = ident.resolve(env, {"headers": {}, "user": {"is_authenticated": True, "username": "bo"}})
    assert (ok.user_id, ok.source, ok.show_picker) == ("bo", "request", False)
    # marimo's token auth calls everybody "user": not an identity
    assert ident.resolve(env, {"user": {"is_authenticated": True, "username": "user"}}).user_id is None
    assert ident.resolve(env, {"user": {"is_authenticated": False, "username": "bo"}}).user_id is None
    assert ident.resolve(env, None).user_id is None


class _Req:
    headers = {"X-Forwarded-User": "cy"}
    user = {"is_authenticated": False}


def test_header_lookup_is_case_insensitive_on_objects():
    assert ident.header_value(_Req(), "x-forwarded-user") == "cy"


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("0", False), ("", False)])
def test_read_only_flag(value, expected):
    assert ident.read_only({"CERTLIB_READ_ONLY": value}) is expected
    assert ident.resolve({"CERTLIB_READ_ONLY": value}).read_only is expected


def test_can_save_rules_only_in_edit_mode_and_never_read_only():
    assert ident.can_save_rules("edit", {}) == (True, "")
    ok, why = ident.can_save_rules("run", {})
    assert not ok and "edit mode" in why
    ok, why = ident.can_save_rules("edit", {"CERTLIB_READ_ONLY": "1"})
    assert not ok and "read-only" in why


class _Store:
    def user(self, user_id):
        from certlib.domain.entities import User
        from certlib.errors import NotFound

        if user_id != "sa":
            raise NotFound(f"unknown user {user_id!r}")
        return User("sa", "State Admin", "state", None)


class _Picked:
    def __init__(self, value):
        self.value = value


def test_sign_in_resolves_the_user_or_says_why_to_stop():
    ok = session.sign_in(_Picked("sa"), _Store(), env={})
    assert ok.user.id == "sa" and "State Admin" in ok.banner and not ok.stop_message
    nobody = session.sign_in(_Picked(None), _Store(), env={})
    assert nobody.user is None and nobody.stop_kind == "warn" and "nobody yet" in nobody.stop_message
    ghost = session.sign_in(_Picked("ghost"), _Store(), env={})
    assert ghost.user is None and ghost.stop_kind == "danger" and "Unknown user** `ghost`" in ghost.stop_message
