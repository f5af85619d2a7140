"""Upload handler: streams to a temporary file and stops reading past the size limit of the
form being posted (a JSON file, or a zip of attachments)."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.urls import Resolver404, resolve

# The views that receive a zip of attachments: the screen's form and the API's endpoint (by their url
# names); every other upload, the rest of the API included, gets the JSON file's limit.
VUES_DEPOT_ZIP = frozenset({"piecesjointes:deposer", "api:deposer_zip"})


def limite_televersement(request) -> int:
    # Decided from the URL, not by the view: the CSRF middleware reads the upload first.
    try:
        vue = resolve(request.path_info).view_name
    except Resolver404:
        vue = ""
    return settings.SEGUR_MAX_ZIP_BYTES if vue in VUES_DEPOT_ZIP else settings.SEGUR_MAX_JSON_BYTES


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Streams to disk like Django's handler; a file over the limit is dropped without being
    kept, and the request is marked so that the view can say why."""

    def new_file(self, *args, **kwargs):
        self.limite = limite_televersement(self.request)
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limite:
            self.request.upload_too_large = True
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)
