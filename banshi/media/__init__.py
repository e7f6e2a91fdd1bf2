"""The assistant's senses: speech in (``asr``, decoded by ``audio``), speech out (``tts``),
photos (``ocr``, ``images``), documents (``documents``), the per-user file store (``files``),
questions and summaries over documents (``docqa``) and meeting minutes from recordings
(``recordings``).

Heavy parts (faster-whisper, RapidOCR, the document parsers) are imported on first use and
raise ``MissingDependency`` when absent. May import: config, errors, messages, models, memory.
"""
