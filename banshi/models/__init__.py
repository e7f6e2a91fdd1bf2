"""Language-model backends behind one small interface (``base.Backend``).

``local`` runs llama.cpp in-process on packaged Qwen weights, ``openai_compat`` talks to any
OpenAI-compatible endpoint, ``fake`` is scripted for tests. May import: messages, errors, config.
"""

from banshi.models.base import Backend, get_backend

__all__ = ["Backend", "get_backend"]
