"""wirestream message schemas (pydantic v2) and their exported JSON Schema files."""

from schemas.models import *  # noqa: F403
from schemas.models import __all__  # noqa: F401
