"""Offline engines as backends: OCR (tesseract, rapidocr), speech recognition (pocketsphinx,
faster-whisper), speech synthesis (espeak) and the TTS round trip (tts-roundtrip).

Each is a `Backend` like any provider's; the CPU-bound work runs in a process pool
(`evals.engines.pool`). Import the backend modules directly: this package imports no engine.
"""
