"""``forewarn demo``: build a realistic province (Gansu) and serve it, replaying live."""

from __future__ import annotations

import time
from functools import partial
from typing import Annotated

import typer
import uvicorn
from rich.text import Text

from forewarn.cli.common import DataDir, console, settings_for, setup_logging
from forewarn.config import default_data_dir, server_options
from forewarn.demo.app import build_demo_app


def demo(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port.")] = 8000,
    speed: Annotated[
        float, typer.Option(min=0.1, help="Replay this many times faster than real time.")
    ] = 360.0,
    seed: Annotated[
        int, typer.Option(help="Seed of the simulated data (same seed, same data).")
    ] = 1,
    webhook: Annotated[
        str | None, typer.Option(help="Also send every notification to this webhook URL.")
    ] = None,
) -> None:
    """Build the Gansu demo province in the data folder (first start) and serve it live.

    The simulated clock starts where the stored data ends and runs SPEED times faster than real
    time; scripted incidents (methane surge, flood crest, dust storm, norovirus outbreak, a silent
    sensor) begin within the first simulated hour and are over within ten minutes at the default
    speed. The data folder defaults to the `demo` folder inside the user's data directory.
    """
    started = time.monotonic()
    settings = settings_for(data_dir or default_data_dir() / "demo")
    updates: dict[str, object] = {"host": host, "port": port}
    if "public_base_url" not in settings.model_fields_set:
        updates["public_base_url"] = f"http://{host}:{port}"
    settings = settings.model_copy(update=updates)
    setup_logging(settings)
    app, info = build_demo_app(settings, speed=speed, seed=seed, webhook=webhook)
    # A long path or login list is one line; nothing printed is read as rich markup.
    say = partial(console.print, soft_wrap=True, markup=False)
    built = "new province built" if info.fresh else "existing data folder"
    say(
        Text.assemble(
            ("forewarn demo", "bold"),
            f" ready in {time.monotonic() - started:.1f} s ({built}: {settings.data_dir})",
        )
    )
    say(f"  open      http://{host}:{port}/")
    say(f"  API       http://{host}:{port}/api/v1/docs")
    for line in info.logins:
        say(f"  login     {line}")
    say(f"  clock     simulated, x{speed:g} from {info.origin.isoformat()}")
    uvicorn.run(app, host=host, port=port, log_level="warning", **server_options(settings))
