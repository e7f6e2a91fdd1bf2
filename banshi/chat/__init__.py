"""The conversation engine: the system prompt, context within a token budget (older turns fold
into a rolling summary), streaming turns that are saved as they finish, hooks through which
memory adds what it recalls; a service errand goes to the agents' dispatcher and a math problem
to the homework skill. May import: models, store, memory, media, agents, skills, messages, config,
errors."""
