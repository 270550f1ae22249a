"""Imports every table so ``Base.metadata`` is complete (for Alembic and tests)."""

from mitra.audit import service as _audit
from mitra.core import identity as _identity
from mitra.core import notices as _notices
from mitra.core import objects as _objects
from mitra.core import requests as _requests
from mitra.exchange import models as _exchange
from mitra.foundation.db import Base

metadata = Base.metadata

__all__ = ["_audit", "_exchange", "_identity", "_notices", "_objects", "_requests", "metadata"]
