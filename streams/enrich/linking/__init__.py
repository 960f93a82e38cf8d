"""Entity identity: places linked to GeoNames from offline gazetteers, demonyms to their country, stable ids.

:class:`~streams.enrich.linking.gazetteer.Gazetteer` loads the packaged data once;
:class:`~streams.enrich.linking.linker.Linker` links one story's entities. The id scheme and its limits are in
:mod:`streams.enrich.linking.ids`; the story-local ``Entity.id`` (``e1``...) stays, since stance and quotes refer
to it, and the stable id is ``Entity.uri`` beside it.
"""

from streams.enrich.linking.gazetteer import Gazetteer, Place
from streams.enrich.linking.ids import assign_uris, name_uri
from streams.enrich.linking.linker import Linker

__all__ = ["Gazetteer", "Linker", "Place", "assign_uris", "name_uri"]
