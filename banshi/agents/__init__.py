"""The dispatcher, the tool-calling loop, the router, actions."""
