"""Settings, read once from the environment (prefix ``BANSHI_``) and a ``.env`` file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANSHI_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".banshi")
    database_url: str = ""  # empty: SQLite (WAL) at home/banshi.db

    # model backend
    backend: Literal["local", "openai", "fake"] = "local"
    local_model: str = "qwen2.5-coder-1.5b"  # a packaged model name or a path to any GGUF file
    # where packaged weights are joined: a per-machine cache shared by every BANSHI_HOME
    model_cache: Path = Field(default_factory=lambda: _cache_home() / "banshi" / "models")
    n_ctx: int = 8192
    n_threads: int = 0  # 0: all cores
    openai_base_url: str = "http://127.0.0.1:11434/v1"
    openai_api_key: str = ""
    openai_model: str = "qwen3"
    # whether the openai backend is sent photos as image parts beside their OCR text; auto: when
    # the model name says it sees images (Qwen-VL, QVQ, Omni, "vision")
    vision: Literal["auto", "true", "false"] = "auto"
    max_tokens: int = 1024
    temperature: float = 0.3

    # conversations
    context_tokens: int = 3072  # prompt budget for history; older turns fold into a summary
    max_message_chars: int = 32_000

    # server
    host: str = "127.0.0.1"
    port: int = 8321
    multi_user: bool = False  # False: single local user, no key needed

    data_dir: Path = PROJECT_ROOT.parent / "shared" / "data"

    # actions: the dispatcher and its services (banshi.agents.tools.build_registry)
    actions: bool = True  # False: plain chat only, no service agents
    actions_router: bool = True  # the trained fast router beside keywords (banshi.agents.router)
    # service name -> "pkg.module:build" | "mcp:<server>" | "" (off); replaces or adds services
    service_providers: dict[str, str] = {}
    # MCP servers that become services: {"time": {"command": "mcp-server-time", "args": []}}
    # or {"maps": {"url": "https://…/mcp", "headers": {…}}}
    mcp_servers: dict[str, dict] = {}
    weather_url: str = ""  # an Open-Meteo compatible forecast API; empty: the sandbox provider
    scheduler_interval: float = 5.0  # seconds between checks for due reminders

    # media (banshi.media): speech, OCR, documents, uploaded files — every limit bounds CPU/memory
    whisper_model: str = "whisper-base"  # the packaged Whisper, or a CTranslate2 Whisper model dir
    asr_chunk_seconds: int = 120  # long audio is decoded and transcribed this much at a time
    max_audio_seconds: int = 7200  # longer recordings are refused
    max_upload_mb: int = 100  # one uploaded file
    max_user_files_mb: int = 1000  # everything one user keeps under home/files
    max_image_mb: int = 40  # one photo
    max_image_pixels: int = 60_000_000  # larger is treated as a decompression bomb
    ocr_max_side: int = 2048  # photos are downscaled to this longest side before OCR
    max_document_pages: int = 500  # pages, slides or sheets
    max_unpacked_mb: int = 300  # uncompressed size of a DOCX/XLSX/PPTX archive
    max_document_chars: int = 2_000_000  # extracted text kept from one document

    # image generation (banshi.skills.images): svg = drawn offline by the chat model; openai = an images API
    images_backend: Literal["svg", "openai"] = "svg"
    images_base_url: str = ""
    images_api_key: str = ""
    images_model: str = ""
    images_timeout: float = 120.0
    images_svg_max_tokens: int = 700

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'banshi.db'}"

    @property
    def models_dir(self) -> Path:
        return self.model_cache

    def cache_key(self) -> str:
        return "|".join(
            [self.backend, self.local_model, str(self.models_dir), self.openai_base_url, self.openai_model,
             str(self.n_ctx)]
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
