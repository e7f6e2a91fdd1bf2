"""The conversation engine: the system prompt, context within a token budget (older turns fold
into a rolling summary), streaming turns that are saved as they finish, hooks through which
memory adds what it recalls. May import: models, store, memory, messages, config, errors."""
