"""certlib: data certification for state education agencies.

Layers (dependencies point down): cli / notebooks -> services -> engine, rules, store -> domain.
"""

__version__ = "0.1.0"
