"""Sub-commands of `newsmon`; each module defines `register(app)`."""
