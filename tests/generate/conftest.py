"""Small generated states shared by the generator tests (each takes well under a second)."""

from __future__ import annotations

import pytest

from certlib.generate import generate_state


@pytest.fixture(scope="session")
def state_on(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_on")
    return out, generate_state(out, students=900, districts=3, seed=11)


@pytest.fixture(scope="session")
def state_off(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen_off")
    return out, generate_state(out, students=600, districts=2, seed=5, defects=False)
