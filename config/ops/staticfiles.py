"""Static files (the admin's CSS and JS, the API docs page) served by the web process itself.

Whitenoise serves what `collectstatic` wrote to STATIC_ROOT (with its gzip and brotli copies)
and, for anything not collected, the apps' own files through Django's finders. So a web process
started from the Procfile with DEBUG off serves the admin even before `collectstatic` ran;
running it (the Dockerfile does, the operations notes list it) adds the compressed copies.
"""

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def add_files_from_finders(self):
        # Whitenoise lets the finders' copy replace a collected file; keep the collected one,
        # which has its compressed variants.
        collected = dict(self.files)
        super().add_files_from_finders()
        self.files.update(collected)
