"""The optional packages of the exporters (the ``export`` extra), imported only when an export needs them."""

from __future__ import annotations

import importlib
import sys

from snasray.errors import UserError

EXTRA_HINT = "pip install 'snasray[export]'"


def require(package: str):
    """Import an optional package; raise UserError (one line) when it is missing or needs a newer Python."""
    if package == "spikingjelly" and sys.version_info < (3, 11):
        raise UserError("the spikingjelly export needs Python 3.11 or newer (spikingjelly 2.x)")
    try:
        return importlib.import_module(package)
    except ImportError as err:
        raise UserError(f"the export needs the package {package!r} ({EXTRA_HINT}): {err}") from None
