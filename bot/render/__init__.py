"""Two renderings of an Answer: plain text (CLI, Slack fallback) and Block Kit."""
