"""Deciding what the tracker should look like, with no I/O: the issues an item and a
meeting should have (`reconcile`), their text (`render`) and hidden markers (`marker`),
the weekly status (`status`), commands (`commands`), PR links (`links`), the PR preview
(`preview`), links written back into the minutes (`write_back`), what a dry run would
change (`dry_run`), and the per-repository index's entries (`issue_index`).

It imports only `bot.minutes` and the helpers at the package root; the handlers read what
a decision needs, call it, and apply what it returns.
"""
