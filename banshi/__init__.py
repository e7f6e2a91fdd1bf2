"""Banshi (办事): an open, self-hostable AI assistant that chats, remembers and gets things done."""

__version__ = "0.1.0"
