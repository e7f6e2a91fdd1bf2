"""Skills: homework solving (program-of-thought in a sandbox), writing, translation and images.

Each skill is a plain function over a ``Backend`` (``banshi.models.base``); the API routers and
the CLI call them; ``route`` says which one a chat message asks for. May import: config, errors,
messages, models, media (OCR for photos).
"""
