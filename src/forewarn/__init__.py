"""forewarn: public-safety risk monitoring, early warning and closed-loop risk governance."""

__version__ = "0.1.0"
