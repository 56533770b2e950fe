"""Build step only (the metadata is in pyproject.toml): a built wheel carries the default rule pack
and the demo state as package data.

``rules/`` and ``sample_data/`` stay at the top of the repository (they are the source); ``build_py``
copies them into ``certlib/_data/`` of the build, where :mod:`certlib.resources` finds them with
:mod:`importlib.resources`. An editable install (or a checkout on ``PYTHONPATH``) has no
``certlib/_data`` and reads the repository's directories instead.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_DIRS = ("rules", "sample_data")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class build_py_with_data(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the repository's own rules/ and sample_data/ are read in place
        for name in DATA_DIRS:
            src, dst = HERE / name, Path(self.build_lib) / "certlib" / "_data" / name
            if not src.is_dir():
                raise SystemExit(f"setup.py: {src} is missing (an sdist must carry {', '.join(DATA_DIRS)})")
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=IGNORE)


setup(cmdclass={"build_py": build_py_with_data})
