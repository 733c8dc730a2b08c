"""Flags to the case officer: what every notifier says about one flag (report), and the e-mail
notifier the gateway starts itself when `[flags]` is configured (mail). Slack's notifier lives
with the Slack channel."""
