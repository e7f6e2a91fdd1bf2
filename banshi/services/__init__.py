"""Service agents: one module per domain, each a set of typed tools (``banshi.agents.tools``)
built from settings by a ``build(settings) -> Service`` function. The built-in ones are
sandboxes over real public data (``settings.data_dir / "services"``, read at run time) with
their state in the project's database, per user; ``mcp.py`` turns any MCP server into a
service. May import: banshi.agents.tools, banshi.store, banshi.config, banshi.errors, banshi.numbers."""
