"""``python -m streams.eval``: same as ``wirestream eval``."""

from streams.eval.run import main

raise SystemExit(main())
