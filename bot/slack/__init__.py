"""The Slack layer: a thin Bolt app over the engine (no decisions about what to answer)."""
