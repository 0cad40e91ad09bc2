"""What the extraction fork server imports before it forks a worker: the extractor, with
every pattern compiled.

The extractor compiles its patterns when first used (`bot.minutes.patterns`), so that a
`minutes-bot extract` process pays only for those its file needs. Workers are better off
the other way round: compiled here once, the patterns are in memory every worker forked
from this process shares, and no worker's first files pay for them. The fork server
runs only the imports it is given, so the compiling happens on import.
"""

from bot.minutes.patterns import compile_all
from bot.service import extraction  # noqa: F401  (the workers' entry and the extractor)

compile_all()
