"""forewarn benchmarks: ``python -m benchmarks <name> [--json FILE]``."""
