"""Upload handler: streams to a temporary file and stops reading past the JSON size limit."""
from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Streams to disk like Django's handler; a file over the limit is dropped without being
    read to the end, and the request is marked so that the view can say why."""

    def receive_data_chunk(self, raw_data, start):
        limite = getattr(self.request, "upload_limit_bytes", settings.SEGUR_MAX_JSON_BYTES)
        if start + len(raw_data) > limite:
            self.request.upload_too_large = True
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)
