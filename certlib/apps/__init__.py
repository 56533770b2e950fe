"""The apps' layer: one module per screen (:mod:`~certlib.apps.dashboard`, :mod:`~certlib.apps.certify`,
:mod:`~certlib.apps.rule_lab`, :mod:`~certlib.apps.state_console`), what they share
(:mod:`~certlib.apps.common`), the charts (:mod:`~certlib.apps.charts`) and the sign-in edge of the
notebooks (:mod:`~certlib.apps.session`). Typed functions the marimo notebooks call; the notebooks only
wire widgets to them. Dependencies point down: apps → services → store/engine → rules → domain.
"""
