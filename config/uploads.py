"""Upload size enforced while the body streams in: a file over UPLOAD_MAX_BYTES is dropped as soon as it
passes the limit (never written whole to a temporary file) and named in `request.refused_uploads`, so the view
answers 400 naming it."""
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes and skips the file past the limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.refused_uploads = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.refused_uploads.append((self.field_name, self.file_name))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file
