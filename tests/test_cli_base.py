"""The CLI turns every CertlibError into a one-line message and exit code 1."""

import click
from click.testing import CliRunner

from certlib.cli.base import CertlibGroup
from certlib.errors import Refused


def test_certlib_error_becomes_exit_1_with_named_reason():
    @click.group(cls=CertlibGroup)
    def root():
        pass

    @root.command()
    def boom():
        raise Refused("submit", "u-cert-1", "In Progress", "step 2 State Validation is not COMPLETED")

    result = CliRunner().invoke(root, ["boom"])
    assert result.exit_code == 1
    assert "submit refused for u-cert-1 (status: In Progress): step 2 State Validation" in result.output
