"""The web console: server-rendered pages (Jinja2, htmx, ECharts) for duty officers."""
