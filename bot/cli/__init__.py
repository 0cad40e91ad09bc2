"""The `minutes-bot` command: its subcommands (`main`), the offline ones (`offline`,
`plan` and its report), the service ones (`service`, `status`, `shared`), and the GitHub
Action's entry point (`action`). Each subcommand imports what it needs when it runs.
"""
