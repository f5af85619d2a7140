"""The guide's paths in a real browser (headless Chromium through Playwright, tests marked
`browser`): simulation, real import, attachments with a real Celery worker, the managers' review."""
