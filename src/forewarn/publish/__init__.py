"""Public warnings: approval, CAP 1.2 messages, and the Atom feed of current public warnings."""
