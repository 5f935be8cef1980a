"""Run the command-line interface: ``python -m forewarn``."""

from forewarn.cli.main import app

app(prog_name="forewarn")
