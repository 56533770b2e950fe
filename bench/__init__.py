"""certlib benchmarks (issue 7): ``python -m bench.run --help``. Not part of ``make test``."""
